"""How fast is `sidomain lint` on 1,000 playbooks, next to yamllint on the same files?

Generates 1,000 playbook files (variants of the built-ins: each gets its own id, length,
times and task ids, so nothing can be served from a per-content cache) in a temporary
folder, then times whole processes in the same run — `sidomain lint DIR` (schema,
calendar, template and compliance rules) and `yamllint DIR` (default config: syntax and
style only) — a few times each, and prints the medians and their ratio.

    python benchmarks/lint_speed.py [--files 1000] [--repeat 5]

Needs yamllint (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> list[str]:
    """The tool's console script beside this Python, else python -m."""
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    if found:
        return [found]
    return [sys.executable, "-m", "sidomain_cli" if name == "sidomain" else name]


def make_files(folder: Path, count: int) -> None:
    sources = [p for p in sorted((ROOT / "playbooks").glob("*.yaml"))
               if p.stem not in ("method", "holidays_cn", "copy_rules")]
    texts = [p.read_text(encoding="utf-8") for p in sources]
    for i in range(count):
        text = texts[i % len(texts)]
        text = re.sub(r"^id: (\w+)", rf"id: \1_v{i}", text, count=1, flags=re.M)
        text = re.sub(r"^days: 60", f"days: {60 + i % 7}", text, count=1, flags=re.M)
        text = re.sub(r"\{id: (\w+),", rf"{{id: \1_{i},", text)
        minute = i % 60
        text = re.sub(r'time: "(\d\d):00"', rf'time: "\1:{minute:02d}"', text)
        (folder / f"playbook_{i:04d}.yaml").write_text(text, encoding="utf-8")


def timed(cmd: list[str], repeat: int, ok: tuple[int, ...]) -> tuple[float, str]:
    times = []
    out = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        out = proc.stdout
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sidomain-lint-bench-") as tmp:
        folder = Path(tmp)
        make_files(folder, args.files)
        env_note = f"{args.files} playbook files, median of {args.repeat} runs"
        lint_cmd = tool("sidomain") + ["lint", str(folder), "--format", "text", "--no-color"]
        yl_cmd = tool("yamllint") + [str(folder)]
        # sidomain: exit 0 expected (the variants are clean); yamllint: 0 or 1 (style)
        t_lint, out = timed(lint_cmd, args.repeat, ok=(0,))
        t_yl, _ = timed(yl_cmd, args.repeat, ok=(0, 1))
    print(f"{env_note}")
    print(f"  sidomain lint : {t_lint:7.3f} s   ({out.strip().splitlines()[-1]})")
    print(f"  yamllint      : {t_yl:7.3f} s   (default config)")
    print(f"  ratio         : sidomain lint takes {t_lint / t_yl:.2f}× yamllint's time "
          f"({t_yl / t_lint:.1f}× faster)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
