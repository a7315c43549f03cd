"""Many profiles: N separate `sidomain plan` runs against one `sidomain plan DIR
--output-dir` process, with and without the parse cache for shared YAML.

    python benchmarks/batch.py [--profiles 100] [--format json]

The profiles are the bundled examples with numbered brands and varied tickets. Prints
wall time of each way and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_CACHE = ("import sys, sidomain_cli.yamlio as y; y._cacheable = lambda path, what: False; "
            "from sidomain_cli.cli import run; sys.exit(run(sys.argv[1:]))")


def make_profiles(folder: Path, n: int) -> None:
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    for i in range(n):
        src = examples[i % len(examples)].read_text(encoding="utf-8")
        lines = []
        for line in src.splitlines():
            if line.startswith("brand:"):
                line = f"{line} {i:03d}"
            elif line.startswith("avg_ticket:"):
                value = float(line.split(":")[1].split("#")[0])
                line = f"avg_ticket: {value * (0.8 + 0.4 * (i % 5) / 4):.2f}"
            lines.append(line)
        (folder / f"brand{i:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(cmd_lists: list[list[str]]) -> float:
    t0 = time.perf_counter()
    for cmd in cmd_lists:
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=100)
    ap.add_argument("--format", default="json")
    args = ap.parse_args()
    exe = shutil.which("sidomain", path=os.path.dirname(sys.executable)) or shutil.which("sidomain")
    if not exe:
        sys.exit("sidomain is not installed in this environment")
    suffix = {"json": ".json", "text": ".txt", "markdown": ".md", "html": ".html"}[args.format]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "profiles"
        src.mkdir()
        make_profiles(src, args.profiles)
        files = sorted(src.glob("*.yaml"))
        sep = tmp / "separate"
        sep.mkdir()
        separate = timed([[exe, "plan", str(p), "-f", args.format, "-o",
                           str(sep / (p.stem + suffix))] for p in files])
        (tmp / "one").mkdir()
        (tmp / "uncached").mkdir()
        one = timed([[exe, "plan", str(src), "-f", args.format, "-d", str(tmp / "one")]])
        uncached = timed([[sys.executable, "-c", NO_CACHE, "plan", str(src), "-f", args.format,
                           "-d", str(tmp / "uncached")]])
        for a, b in ((sep, tmp / "one"), (sep, tmp / "uncached")):
            for p in files:
                name = p.stem + suffix
                assert (a / name).read_bytes() == (b / name).read_bytes(), name
    n = args.profiles
    print(f"{n} profiles, --format {args.format} (outputs identical in every way)")
    print(f"{'way':44} {'seconds':>8} {'ms/plan':>8}")
    for name, secs in ((f"{n} separate processes", separate),
                       ("one process, shared YAML parsed once", one),
                       ("one process, every file parsed each plan", uncached)):
        print(f"{name:44} {secs:8.2f} {secs / n * 1000:8.1f}")
    print(f"separate / one process: {separate / one:.1f}x; "
          f"cache saves {(uncached - one) / uncached * 100:.0f}% of the one-process time")


if __name__ == "__main__":
    main()
