"""Export at chain scale: 3,000 stores × 10 groups × 60 days as CSV and JSON Lines.

    python benchmarks/export_scale.py                 # 3,000 stores, both formats
    python benchmarks/export_scale.py --stores 300    # a smaller chain
    python benchmarks/export_scale.py --disk /tmp     # write real files (else a null sink)

Each run is a fresh process, so its peak RSS (``resource.getrusage``) is its own.  The
export is timed with ``time.perf_counter`` (wall) and ``time.process_time`` (CPU: the
steadier figure on a shared machine) from the loaded profile to the last byte; by
default bytes go to a sink that only counts them, so the figure is the exporter's speed
and not the disk's.  The same export at 300 and 3,000 stores shows whether memory grows
with the number of stores (it should not: rows are streamed, plans are cached per start
date).  Target (issue 3): ≥ 100,000 rows a second.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "examples" / "coffee.yaml"


class CountingSink:
    """A binary file object that keeps nothing."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, b) -> int:
        self.bytes += len(b)
        return len(b)

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    closed = False


def make_stores(path: Path, n: int, groups: int) -> None:
    cities = ["上海", "杭州", "苏州", "南京", "北京", "广州", "深圳", "成都"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("store_id,name,city,owner,groups,launch_date,wave\n")
        for i in range(n):
            city = cities[i % len(cities)]
            fh.write(f"S{i:05d},熊猫咖啡 {city}{i}号店,{city},店长{i // 3},{groups},,{i % 3 + 1}\n")


def child(fmt: str, stores_csv: str, disk: str | None) -> None:
    # The installed package: the child runs in an empty folder, the source tree is not on
    # sys.path (install with `pip install .` and run this file with that python).
    from sidomain_cli.exporters import FORMATS
    from sidomain_cli.exporters.stores import ExportSource, load_stores
    from sidomain_cli.playbook import load_method
    from sidomain_cli.profile import load_profile

    profile = load_profile(PROFILE)
    method = load_method()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    write = FORMATS[fmt].load()
    t0, c0 = time.perf_counter(), time.process_time()
    stores = load_stores(stores_csv)
    source = ExportSource(profile, method=method, stores=stores)
    if disk:
        from sidomain_cli.output import atomic_open

        target = Path(disk) / f"export_scale.{fmt}"
        with atomic_open(target, force=True, binary=True) as fh:
            rows = write(source, fh)
        size = target.stat().st_size
        target.unlink()
    else:
        sink = CountingSink()
        rows = write(source, sink)
        size = sink.bytes
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{fmt}\t{len(stores)}\t{rows}\t{secs:.2f}\t{cpu:.2f}\t{rows / secs:,.0f}\t"
          f"{size / 2**20:,.0f}\t{rss_before / 1024:.0f}\t{peak / 1024:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stores", type=int, nargs="*", default=[300, 3000])
    ap.add_argument("--groups", type=int, default=10)
    ap.add_argument("--formats", nargs="*", default=["csv", "jsonl"])
    ap.add_argument("--disk", help="write real files into this folder")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.disk)
        return
    print(f"profile {PROFILE.name}, {args.groups} groups a store, 60 days; "
          f"output: {'files in ' + args.disk if args.disk else 'null sink'}")
    print("format\tstores\trows\tseconds\tCPU s\trows/s\tMiB out\tRSS MiB before\tpeak RSS MiB")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.stores:
            stores_csv = Path(tmp) / f"stores_{n}.csv"
            make_stores(stores_csv, n, args.groups)
            for fmt in args.formats:
                cmd = [sys.executable, __file__, "--child", fmt, str(stores_csv)]
                if args.disk:
                    cmd += ["--disk", args.disk]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                                     env={**os.environ, "PYTHONHASHSEED": "0"}, cwd=tmp)
                print(out.stdout.strip())
        import sidomain_cli

        print("package timed:", Path(sidomain_cli.__file__).parent)


if __name__ == "__main__":
    main()
