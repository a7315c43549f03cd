"""Charts for the HTML report, written as plain SVG text.

Why a small module and no chart library: the report must be one file with no network,
the same bytes for the same plan, and ``plan`` must not pay a library's import time.
A chart here is a few dozen ``<rect>``/``<text>`` elements whose coordinates are
rounded to 0.1 and printed with a fixed format, so the output depends only on the data;
the numbers are escaped like everything else (``html.escape``). Two kinds are needed: a
horizontal bar per item (channel mix) and columns per week (forecast); each carries a
``<title>`` and ``role="img"`` so a screen reader and a printout both get the figures.
"""

from __future__ import annotations

from html import escape
from typing import Callable, Sequence

FONT = 12


def num(x: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros, no ``-0``."""
    s = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {num(width)} {num(height)}" width="{num(width)}" '
            f'height="{num(height)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>")


def hbars(rows: Sequence[tuple[str, float, str, str]], *, title: str, width: float = 640,
          label_width: float = 150, bar_height: float = 20, gap: float = 6) -> str:
    """One horizontal bar per row: ``(label, value 0–1, colour, value text)``."""
    top = 4
    height = top + len(rows) * (bar_height + gap) + 4
    span = width - label_width - 70
    body = []
    for i, (label, value, colour, shown) in enumerate(rows):
        y = top + i * (bar_height + gap)
        w = max(0.0, min(1.0, value)) * span
        mid = y + bar_height / 2 + FONT * 0.35
        body.append(f'<text x="{num(label_width - 8)}" y="{num(mid)}" text-anchor="end" '
                    f'font-size="{FONT}">{escape(label)}</text>')
        body.append(f'<rect x="{num(label_width)}" y="{num(y)}" width="{num(w)}" '
                    f'height="{num(bar_height)}" rx="3" fill="{escape(colour)}"/>')
        body.append(f'<text x="{num(label_width + w + 6)}" y="{num(mid)}" '
                    f'font-size="{FONT}">{escape(shown)}</text>')
    return _svg(width, height, title, body)


def columns(values: Sequence[float], labels: Sequence[str], *, title: str, colour: str,
            fmt: Callable[[float], str], width: float = 330, height: float = 190) -> str:
    """One column per value, labelled below, the value above, a baseline and a top line."""
    left, right, top, bottom = 8, 8, 26, 22
    plot_h = height - top - bottom
    n = max(1, len(values))
    slot = (width - left - right) / n
    peak = max((v for v in values if v is not None), default=0) or 1
    body = [f'<text x="{num(left)}" y="15" font-size="{FONT + 1}" font-weight="bold">'
            f'{escape(title)}</text>',
            f'<line x1="{num(left)}" y1="{num(top + plot_h)}" x2="{num(width - right)}" '
            f'y2="{num(top + plot_h)}" stroke="#888" stroke-width="1"/>']
    for i, (v, label) in enumerate(zip(values, labels)):
        v = v or 0
        h = plot_h * v / peak
        x = left + i * slot + slot * 0.15
        body.append(f'<rect x="{num(x)}" y="{num(top + plot_h - h)}" width="{num(slot * 0.7)}" '
                    f'height="{num(h)}" fill="{escape(colour)}"><title>{escape(label)}: '
                    f'{escape(fmt(v))}</title></rect>')
        cx = x + slot * 0.35
        body.append(f'<text x="{num(cx)}" y="{num(height - 6)}" text-anchor="middle" '
                    f'font-size="{FONT - 2}">{escape(label)}</text>')
        if i in (0, n - 1) or n <= 10:
            body.append(f'<text x="{num(cx)}" y="{num(top + plot_h - h - 3)}" '
                        f'text-anchor="middle" font-size="{FONT - 3}">{escape(fmt(v))}</text>')
    return _svg(width, height, title, body)
