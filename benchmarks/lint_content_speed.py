"""What do the content rules (C002–C010) cost `sidomain lint`?

Copies the bundled example profiles N times into a temporary folder (each copy its own brand
and start date, so nothing is shared between them but the built-in packs and templates), then
times whole processes of `sidomain lint DIR` with and without the content rules, a few times
each, and prints the medians and the cost per profile. Each profile's plan is made once per
run, whatever the number of content rules.

    python benchmarks/lint_content_speed.py [--copies 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ",".join(f"C{n:03d}" for n in range(2, 11))


def make_profiles(folder: Path, copies: int) -> int:
    n = 0
    for src in sorted((ROOT / "examples").glob("*.yaml")):
        text = src.read_text(encoding="utf-8")
        for i in range(copies):
            start = dt.date(2026, 12, 1) + dt.timedelta(days=11 * i)
            out = re.sub(r"^brand: (.+)$", rf"brand: \g<1>{i}", text, count=1, flags=re.M)
            out = re.sub(r"^start_date: .+$", f"start_date: {start}", out, count=1, flags=re.M)
            (folder / f"{src.stem}_{i}.yaml").write_text(out, encoding="utf-8")
            n += 1
    return n


def timed(cmd: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    lint = [sys.executable, "-m", "sidomain_cli", "lint", "--exit-zero"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = make_profiles(folder, args.copies)
        without = timed([*lint, str(folder), "--ignore", CONTENT], args.repeat)
        with_ = timed([*lint, str(folder)], args.repeat)
    print(f"{n} profiles: lint without content rules {without:.2f} s, with {with_:.2f} s "
          f"(median of {args.repeat}); content rules {(with_ - without) / n * 1000:.0f} ms "
          f"a profile (one plan each)")


if __name__ == "__main__":
    main()
