"""`plan --format html` (issue 13 §1): one self-contained file with every part of the plan,
escaped, deterministic, and rendered by a real browser without console errors."""

from __future__ import annotations

import json
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sidomain_cli.cli import run
from sidomain_cli.report.browser import console_messages, dump_dom, find_browser, screenshot
from tests.helpers_plan import ROOT, write_profile

COFFEE = ROOT / "examples" / "coffee.yaml"
NO_BROWSER = "no headless Chromium here (apt-get install chromium, or set SIDOMAIN_BROWSER)"


class Page(HTMLParser):
    """Elements with their attributes, the text inside each id'd element, all text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.by_id: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    VOID = {"meta", "br", "img", "input", "link", "hr", "rect", "line"}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in self.VOID:
            self._open.append((tag, a.get("id")))
            if a.get("id"):
                self.by_id[a["id"]] = []

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        for _, ident in self._open:
            if ident:
                self.by_id[ident].append(data)

    def inside(self, ident: str) -> str:
        return "".join(self.by_id[ident])


def html_of(capsys, *args) -> str:
    code = run(["plan", *map(str, args), "--format", "html"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def plan_json(capsys, *args) -> dict:
    assert run(["plan", *map(str, args), "-f", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_has_every_part(capsys):
    html = html_of(capsys, COFFEE)
    plan = plan_json(capsys, COFFEE)
    page = Page(html)
    ids = {a.get("id") for _, a in page.tags}
    assert {"mix", "acquisition", "phases", "calendar", "kpis", "scripts", "notes"} <= ids
    h1 = [i for i, (tag, _) in enumerate(page.tags) if tag == "h1"]
    assert len(h1) == 1 and "熊猫咖啡 私域运营计划" in html.split("<h1>", 1)[1].split("</h1>")[0]
    text = "".join(page.text)
    assert plan["diagnosis"]["why"] in text  # the diagnosis paragraph, whole
    # the channel mix as a chart: one bar per channel
    mix_svgs = [a for tag, a in page.tags if tag == "svg"]
    assert mix_svgs and all(a.get("role") == "img" for a in mix_svgs)
    assert sum(1 for tag, _ in page.tags if tag == "rect") >= len(plan["channel_mix"])
    # the calendar: a cell per day, each with its tasks, nodes starred
    for n in range(1, plan["days"] + 1):
        assert f"d{n}" in ids
    for task in plan["calendar"]:
        assert task["action"] in page.inside(f"d{task['day']}"), task
    node_days = {t["day"]: t["node"] for t in plan["calendar"]
                 if t.get("node") and t["activity"] in ("node", "peak", "member_day")}
    for day, names in node_days.items():
        cell = page.inside(f"d{day}")
        assert "★" in cell and names.split("、")[0] in cell
    classes = {a.get("class") for tag, a in page.tags if tag == "td"}
    assert any("act-node" in (c or "") for c in classes)
    assert any("ph-retention" in (c or "") for c in classes)
    assert any("ph-conversion act-big" == c for c in classes)
    # every script, grouped by task, and every KPI and note
    scripts = page.inside("scripts")
    for task in plan["calendar"]:
        assert task["message"] in scripts
        assert f"task-{task['task']}" in ids
    for k in plan["kpis"]:
        assert k["label"] in page.inside("kpis")
    for note in plan["notes"]:
        assert note in page.inside("notes")
    # the calendar explained: every node with its level and who set it
    nodes = page.inside("nodes")
    assert plan["nodes"] and "S级=节点战役" in nodes
    for n in plan["nodes"]:
        assert n["name"] in nodes and (n.get("day") or n["date"]) in nodes
    assert ("行业包设定级别" in nodes) == any(n["level_source"].startswith("pack")
                                         for n in plan["nodes"])


def test_report_is_self_contained(capsys):
    html = html_of(capsys, COFFEE)
    page = Page(html)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    for needle in ("http://", "https://", "url(", "@import", "@font-face", "//fonts"):
        hits = html.replace('xmlns="http://www.w3.org/2000/svg"', "").count(needle)
        assert hits == 0, needle
    csp = [a["content"] for tag, a in page.tags
           if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'")
    assert "@media print" in html and "size:A4" in html


def test_report_escapes_everything_from_a_profile(capsys, tmp_path):
    brand = '品牌<script>alert(1)</script>"&'
    node = '节<img src=x onerror=alert(2)>'
    prof = write_profile(tmp_path, brand=brand, start_date="2026-12-01",
                         marketing_nodes=[{"name": node, "date": "2026-12-03", "level": "S"}],
                         offers={"welcome_gift": "券</blockquote><b>x</b>\x1b[31m"})
    html = html_of(capsys, prof)
    page = Page(html)
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "img" not in tags and "b" in tags  # <b> only ours
    text = "".join(page.text)
    assert brand in text and node in text  # shown as typed
    assert "券</blockquote><b>x</b>\ufffd[31m" in text and "\x1b" not in html
    assert "&lt;script&gt;" in html


def test_same_plan_same_bytes(tmp_path):
    outs = []
    for i in range(2):
        target = tmp_path / f"r{i}.html"
        assert run(["plan", str(ROOT / "examples" / "hotpot.yaml"), "-f", "html",
                    "-o", str(target)]) == 0
        outs.append(target.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 20_000


def rich_plan(capsys) -> dict:
    """The coffee plan with the fields the planner is adding (lifecycle, forecast …)."""
    plan = plan_json(capsys, COFFEE)
    plan["lifecycle"] = [
        {"task": "welcome", "offset_day": 0, "time": "10:00", "channel": "wecom_1v1",
         "segment": "new", "action": "欢迎语<i>", "template": "t", "message": "欢迎加入!",
         "send": "auto_welcome", "scope": "account", "metric": "m", "trigger": "add_friend",
         "condition": None},
        {"task": "nudge", "offset_day": 3, "time": "11:00", "channel": "wecom_group",
         "segment": "new", "action": "首单提醒", "template": "t", "message": "首单立减",
         "send": "company_bulk", "scope": "group", "metric": "m",
         "trigger": "no_order_by_day", "condition": "no order"}]
    plan["forecast"] = {
        "assumptions": [{"name": "join rate", "value": 0.3, "unit": "", "source": "pack"}],
        "weeks": [{"week": w, "start_date": f"2026-12-{1 + 7 * (w - 1):02d}", "members": 100 * w,
                   "groups": w, "first_orders": 10 * w, "orders": 30 * w, "gmv": 840.0 * w}
                  for w in range(1, 10)],
        "staff_load": {}, "per_store": {}}
    plan["campaigns"] = [{"node": "双12", "node_id": "double12", "level": "S",
                          "warmup": ["2026-12-10", "2026-12-11"], "peak": "2026-12-12",
                          "encore": ["2026-12-13"], "tasks": ["a", "b"]}]
    plan["workdays"] = [{"date": "2026-12-06", "name": "补班"}]
    plan["kpis"][0]["definition"] = {"numerator": "joined", "denominator": "visitors",
                                     "period": "month"}
    plan["kpis"][0]["count"] = 1234
    for task in plan["calendar"]:
        if task["date"] == "2026-12-12":
            task["stage"] = "peak"
    return plan


def test_fields_the_planner_adds_show_when_present(capsys):
    from sidomain_cli.report.html import render_html

    page = Page(render_html(rich_plan(capsys)))
    ids = {a.get("id") for _, a in page.tags}
    assert {"lifecycle", "forecast", "campaigns"} <= ids
    life = page.inside("lifecycle")
    assert "欢迎语<i>" in life and "no_order_by_day" in life and "自动欢迎语" in life
    forecast = page.inside("forecast")
    assert "¥7,560" in forecast and "900" in forecast and "join rate" in forecast
    svgs = [a for tag, a in page.tags if tag == "svg"]
    assert len(svgs) == 4  # channel mix + members, orders, GMV
    assert "2026-12-12" in page.inside("campaigns")
    assert "班" in page.inside("d6") and "爆发" in page.inside("d12")
    assert "joined / visitors (month)" in page.inside("kpis") and "1,234" in page.inside("kpis")
    # the planner now fills them for a real profile too
    plain = Page(html_of(capsys, COFFEE))
    assert {"lifecycle", "forecast", "campaigns"} <= {a.get("id") for _, a in plain.tags}


# ---- in a real browser ----------------------------------------------------------------

def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB(A) rows of an 8-bit PNG (no Pillow needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


needs_browser = pytest.mark.skipif(find_browser() is None, reason=NO_BROWSER)


@needs_browser
def test_chromium_renders_the_report_without_console_errors(capsys, tmp_path):
    report = tmp_path / "report.html"
    assert run(["plan", str(COFFEE), "-f", "html", "-o", str(report)]) == 0
    png = tmp_path / "report.png"
    log = screenshot(report, png, width=1000, height=1400)
    assert console_messages(log) == [], console_messages(log)
    width, height, rows = png_pixels(png)
    assert (width, height) == (1000, 1400)
    sample = rows[::20]
    assert len(set(sample)) > 20  # not one colour: many different rows
    dark = sum(1 for row in sample for i in range(0, len(row), 3 * 7) if row[i] < 128)
    assert dark > 200  # text was drawn
    dom, log = dump_dom(report)
    assert console_messages(log) == []
    page = Page(dom)
    assert {"mix", "calendar", "kpis", "scripts"} <= {a.get("id") for _, a in page.tags}


@needs_browser
def test_the_console_check_catches_what_it_should(tmp_path):
    """Control: a page that loads from outside logs a CSP refusal our check sees."""
    from sidomain_cli.report.html import render_html

    bad = tmp_path / "bad.html"
    html = render_html(rich_plan_for_control())
    bad.write_text(html.replace("<main>", '<main><img src="http://192.0.2.1/x.png">'),
                   encoding="utf-8")
    _, log = dump_dom(bad)
    assert any("Content Security Policy" in m for m in console_messages(log))


def rich_plan_for_control() -> dict:
    from sidomain_cli.planner import make_plan
    from sidomain_cli.profile import load_profile

    return make_plan(load_profile(COFFEE), days=7).as_dict()


@needs_browser
def test_pdf_through_the_browser_is_a4_and_deterministic(tmp_path):
    outs = []
    for i in range(2):
        target = tmp_path / f"r{i}.pdf"
        assert run(["plan", str(COFFEE), "-f", "pdf", "-o", str(target)]) == 0
        outs.append(target.read_bytes())
    assert outs[0].startswith(b"%PDF-") and outs[0] == outs[1]
    import re

    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", outs[0])
    assert len(boxes) >= 3  # pages
    for w, h in boxes:  # A4 is 595 x 842 points
        assert abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1


def test_pdf_without_a_browser_says_what_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SIDOMAIN_BROWSER", str(tmp_path / "no-such-browser"))
    assert run(["plan", str(COFFEE), "-f", "pdf", "-o", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert "no headless browser" in err and "chromium" in err.lower()
    assert not (tmp_path / "r.pdf").exists()
