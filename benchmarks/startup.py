"""Start-up time: `sidomain --version` and `sidomain plan … --format json` against
`python -c "import typer"`, as whole processes in the same environment.

    python benchmarks/startup.py [--runs 15]

Prints the median, min and max wall time of each and the ratios to `import typer`
(targets from issue 2: --version ≤ 1.5×, plan --format json ≤ 4×).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], runs: int) -> list[float]:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    exe = shutil.which("sidomain", path=os.path.dirname(sys.executable)) or shutil.which("sidomain")
    if not exe:
        sys.exit("sidomain is not installed in this environment")
    example = str(ROOT / "examples" / "coffee.yaml")
    cases = [
        ("python -c 'import typer'", [sys.executable, "-c", "import typer"]),
        ("sidomain --version", [exe, "--version"]),
        ("sidomain plan coffee.yaml -f json", [exe, "plan", example, "--format", "json",
                                               "--output", "-"]),
    ]
    results = {name: timed(cmd, args.runs) for name, cmd in cases}
    base = statistics.median(results[cases[0][0]])
    print(f"{'command':38} {'median ms':>10} {'min':>8} {'max':>8} {'× typer':>8}")
    for name, times in results.items():
        med = statistics.median(times)
        print(f"{name:38} {med * 1000:10.1f} {min(times) * 1000:8.1f} {max(times) * 1000:8.1f} "
              f"{med / base:8.2f}")
    print(f"({args.runs} runs each after one warm-up; Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
