"""Choosing an industry pack: the compiled alias index against parsing every pack.

    python benchmarks/pack_choice.py [--runs 21]

Times fresh processes of the INSTALLED package (run it with the Python of a regular
`pip install .`), runs alternated so machine load hits both alike:

- `index`: what `sidomain plan` does now: `select_pack` (index.json, then the chosen pack);
- `all packs`: what it did before: `choose_pack(industry, None, all_packs())`;
- `import only`: the same imports and examples/coffee.yaml read, no pack work (the floor).

Prints the median wall and CPU (user+sys) milliseconds and the difference to the floor.
`hyperfine` gives the same comparison for whole `sidomain plan` runs of two installs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "coffee.yaml"
# as `sidomain plan` stands when it chooses a pack: planner imported, the profile read
# (so PyYAML is imported and its loaders built in every case)
PRELUDE = ("import sidomain_cli.planning.pipeline\n"
           "from sidomain_cli.planning import packs as P\n"
           "from sidomain_cli.profile import load_profile\n"
           f"profile = load_profile({str(EXAMPLE)!r})\n")
CASES = {
    "import only": PRELUDE,
    "index": PRELUDE + "P.select_pack(profile.industry, None)\n",
    "all packs": PRELUDE + "P.choose_pack(profile.industry, None, P.all_packs())\n",
}


def run_once(code: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"failed: {code!r}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    import sidomain_cli

    for code in CASES.values():  # warm-up (bytecode, page cache)
        run_once(code)
    wall: dict[str, list[float]] = {k: [] for k in CASES}
    cpu: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(args.runs):
        for name, code in CASES.items():
            w, c = run_once(code)
            wall[name].append(w)
            cpu[name].append(c)
    floor_w = statistics.median(wall["import only"])
    floor_c = statistics.median(cpu["import only"])
    print(f"sidomain from {os.path.dirname(sidomain_cli.__file__)}")
    print(f"{'case':14} {'wall ms':>9} {'cpu ms':>9} {'wall − floor':>13} {'cpu − floor':>12}")
    for name in CASES:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:14} {w * 1000:9.1f} {c * 1000:9.1f} {(w - floor_w) * 1000:13.1f} "
              f"{(c - floor_c) * 1000:12.1f}")
    print(f"(medians of {args.runs} alternated runs; Python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
