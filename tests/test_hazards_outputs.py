"""Outputs are safe to open (issue 5 §4): what a profile, playbook or template says is
shown as text in every output, never run as markup, a formula or a terminal command.

Each output is read back by a real consumer: Markdown by markdown-it-py (raw HTML
allowed, the worst case), text as the bytes a terminal gets, CSV by the csv module,
XLSX by openpyxl, ICS as raw octets and by icalendar and vobject.
tests/test_export.py already checks a template message that begins with ``=`` (CSV and
XLSX) and ``neutralise`` for the ASCII formula starts; this file adds the brand, the
offer, a node, a literal template line, every start (full-width ones too), the summary
sheet, a rollout's store columns and Excel's quote prefix.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import openpyxl
import pytest
import vobject
import yaml
from markdown_it import MarkdownIt

from sidomain_cli.cli import run
from sidomain_cli.exporters.csvfile import FORMULA_START
from tests.helpers_plan import write_profile

MD_ATTACK = "|<script>alert(1)</script>`*_[l](javascript:x)&amp;~~s~~"

PLAYBOOK = {
    "kind": "playbook", "id": "hostile", "name": "剧本|<b>名</b>", "days": 14, "key_days": [1],
    "channels": {
        "wecom_group": {"role": "社群|<i>role</i>\n# h", "weight": 0.5, "max_per_day": 4,
                        "disturbance": "medium"},
        "wecom_moments": {"role": "朋友圈 **b** [l](javascript:x)", "weight": 0.5,
                          "max_per_day": 3, "disturbance": "weak"}},
    "phases": [{"id": "retention", "days": [1, 14], "north_star": ["group_retention_7d"],
                "strategies": {"zh-CN": ["策略|<script>x</script>", "`code`\n# h"]}}],
    "tasks": [
        {"id": "post", "days": [1, 3, 5], "time": "10:00", "channel": "wecom_moments",
         "action": "发圈|<script>alert(4)</script>\r\n# 标题 *x*", "template": "evil"},
        {"id": "chat", "every": 2, "time": "11:00", "channel": "wecom_group",
         "action": "群聊 | [x](javascript:y) ~~z~~", "template": "evil"},
    ],
}
TEMPLATE = ("{{ brand }}:{{ offers.welcome_gift }} {{ node }}| <script>alert(2)</script>"
            " `c` *e* _u_ [x](javascript:alert(3)) ~~d~~ &lt;b&gt;\n# 不是标题\n---\n> 引用")


def hostile(tmp_path, **profile):
    """A profile, a playbook and a template folder that all say hostile things."""
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    (tdir / "evil.j2").write_text(TEMPLATE, encoding="utf-8")
    pb = tmp_path / "hostile.yaml"
    pb.write_text(yaml.safe_dump(PLAYBOOK, allow_unicode=True), encoding="utf-8")
    fields = {"brand": "品牌" + MD_ATTACK[:40],
              "offers": {"welcome_gift": "券\n# 标题|<img src=x onerror=alert(1)>" + MD_ATTACK},
              "marketing_nodes": [{"name": "节|<b>x</b>\n#*_`\\", "date": "2026-12-03",
                                   "level": "S"}]}
    fields.update(profile)
    prof = write_profile(tmp_path, **fields)
    return [prof, "--playbook", pb, "--templates", tmp_path / "tpl"]


def cli(capsys, *args) -> str:
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return out


# ---- Markdown ---------------------------------------------------------------------------

def unescaped_pipes(line: str) -> int:
    n, backslashes = 0, 0
    for ch in line:
        if ch == "|" and backslashes % 2 == 0:
            n += 1
        backslashes = backslashes + 1 if ch == "\\" else 0
    return n


def tables(tokens) -> list[list[list]]:
    """Each table as rows of cell ``inline`` tokens."""
    out, rows, row = [], None, None
    for tok in tokens:
        if tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok)
        elif tok.type == "tr_close":
            rows.append(row)
            row = None
        elif tok.type == "table_close":
            out.append(rows)
    return out


def test_markdown_shows_hostile_text_without_breaking_a_table_or_running_markup(capsys, tmp_path):
    args = hostile(tmp_path)
    text = cli(capsys, "plan", *args, "--format", "markdown")
    plan = json.loads(cli(capsys, "plan", *args, "--format", "json"))

    # the Markdown source: same cell count in every row of a table, no raw tags
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|--"):
            width = unescaped_pipes(line)
            for row in lines[i + 1:]:
                if not row.startswith("|"):
                    break
                assert unescaped_pipes(row) == width, row
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert not any(ln.startswith(("# 不是标题", "# 标题", "# h", "---", "> 引用")) for ln in lines)

    # what a reader sees: markdown-it with raw HTML allowed (the worst case)
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    tokens = md.parse(text)
    page = md.render(text)
    assert "<script" not in page and "<img" not in page and "<a " not in page
    assert page.count("<h1>") == 1 and "<del>" not in page and "<em>" not in page
    calendar = [t for t in tables(tokens) if len(t[0]) == 9]  # the weekly SOP tables
    assert sum(len(rows) - 1 for rows in calendar) == len(plan["calendar"])
    shown = []
    for rows in tables(tokens):
        for row in rows:
            assert len(row) == len(rows[0])
            for cell in row:
                cell_html = md.renderer.renderInline(cell.children, md.options, {})
                assert re.sub(r"<br\s*/?>", "", cell_html).count("<") == 0, cell_html
                shown.append(html.unescape(re.sub(r"<br\s*/?>", "\n", cell_html)))
    for task in plan["calendar"]:  # each message and action reads exactly as planned
        assert task["message"] in shown
        assert task["action"].replace("\r\n", "\n") in shown
    assert plan["brand"] in html.unescape(page)


# ---- text (Rich) ------------------------------------------------------------------------

SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("color", ["--color", "--no-color"])
def test_text_prints_markup_literally_and_no_control_characters(capsys, tmp_path, color):
    brand = "[bold red]X[/] [link=file:///etc/passwd]x[/link]"
    node = "N\x1b[2J\x1b]8;;file:///etc/passwd\x07L\x1b]8;;\x07\r\x07\u202e"
    prof = write_profile(tmp_path, brand=brand,
                         marketing_nodes=[{"name": node, "date": "2026-12-03", "level": "S"}])
    out = cli(capsys, "plan", prof, "--format", "text", color)
    assert brand in out                      # literally, with nothing inserted
    assert "\x1b]8;" not in out              # no hyperlink
    assert "\x1b[1;31m" not in out and "\x1b[31m" not in out  # no red from the brand
    plain = SGR.sub("", out)                 # our own colours, when on
    if color == "--no-color":
        assert plain == out
    for ch in ("\x1b", "\x07", "\r", "\u202e"):
        assert ch not in plain, repr(ch)
    assert "N\ufffd[2J\ufffd]8;;file:///etc/passwd\ufffdL" in plain  # shown, defused


# ---- CSV and XLSX -----------------------------------------------------------------------

STARTS = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]


def test_full_width_formula_starts_are_neutralised_too():
    """Decision: ＝＋－＠ count as formula starts (CJK spreadsheets may read them as
    = + - @); a message that really starts with one only gains a leading '."""
    from sidomain_cli.exporters.csvfile import neutralise

    for start in ("＝", "＋", "－", "＠"):
        assert start in FORMULA_START
        assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("价格＝9.9") == "价格＝9.9"


def ooxml_text(value: str) -> str:
    """Control characters as Excel reads them (XlsxWriter stores CR as ``_x000D_``)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("start", STARTS, ids=[f"U+{ord(s):04X}" for s in STARTS])
def test_no_cell_becomes_a_formula_whoever_wrote_it(capsys, tmp_path, start):
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    (tdir / "moments_seed.j2").write_text("{{ offers.welcome_gift }}", encoding="utf-8")
    (tdir / "persona.j2").write_text(start + "cmd|' /C calc'!A0 群规", encoding="utf-8")
    prof = write_profile(tmp_path, brand=start + "HYPERLINK(\"http://x\")",
                         offers={"welcome_gift": start + "SUM(A1)*9 券"},
                         marketing_nodes=[{"name": start + "2+3 节", "date": "2026-12-03"}])
    common = [prof, "--templates", tmp_path / "tpl"]
    plan = json.loads(cli(capsys, "plan", *common, "--format", "json"))
    raw_rows = [{k: "" if v is None else str(v) for k, v in t.items()} for t in plan["calendar"]]
    risky = sum(v.startswith(FORMULA_START) for r in raw_rows for v in r.values())
    if start not in "\t\r":  # the renderer trims each line, so messages never begin so
        assert risky >= 3

    cli(capsys, "export", *common, "-o", tmp_path / "x.csv", "--header", "ids")
    rows = read_csv(tmp_path / "x.csv")
    assert len(rows) == len(raw_rows)
    for row, raw in zip(rows, raw_rows):
        for k, v in raw.items():
            assert row[k] == ("'" + v if v.startswith(FORMULA_START) else v), k

    cli(capsys, "export", *common, "-o", tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str) and ooxml_text(cell.value).startswith(FORMULA_START):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    checked += 1
    summary = [c for r in wb.worksheets[-1].iter_rows() for c in r if c.value == plan["brand"]]
    assert summary  # the brand cell of the summary sheet (the profile trims blanks)
    assert summary[0].quotePrefix == plan["brand"].startswith(FORMULA_START)
    assert checked >= risky


def test_a_rollouts_store_columns_are_neutralised(capsys, tmp_path):
    prof = write_profile(tmp_path)
    stores = tmp_path / "stores.csv"
    stores.write_text("store_id,name,city,owner,groups\n"
                      'S1,"=HYPERLINK(""http://x"",""店"")",+上海,@店长,2\n', encoding="utf-8")
    cli(capsys, "export", prof, "--stores", stores, "-o", tmp_path / "x.csv", "--header", "ids")
    rows = read_csv(tmp_path / "x.csv")
    assert rows and all(r["store_name"] == "'=HYPERLINK(\"http://x\",\"店\")" and
                        r["city"] == "'+上海" and r["owner"] == "'@店长" for r in rows)
    cli(capsys, "export", prof, "--stores", stores, "-o", tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    cells = [c for r in ws.iter_rows(min_row=2) for c in r
             if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))]
    assert len(cells) >= 3 * (ws.max_row - 1)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


# ---- ICS --------------------------------------------------------------------------------

def physical_lines(raw: bytes) -> list[bytes]:
    assert raw.endswith(b"\r\n")
    lines = raw[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a fold never splits a character
        assert not any(b < 0x20 and b != 0x09 or b == 0x7F for b in line), line
    return lines


def test_ics_escapes_text_and_folds_at_75_octets_between_characters(capsys, tmp_path):
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    long = "私域运营每日推送😀👨‍👩‍👧é" * 12
    (tdir / "moments_seed.j2").write_text(
        "第一行;分号,逗号\\反斜杠 {{ brand }}\n第二行 " + long + " {{ offers.welcome_gift }}",
        encoding="utf-8")
    prof = write_profile(tmp_path, brand="品牌;,\\😀",
                         offers={"welcome_gift": "券;,\\" + "福" * 60},
                         marketing_nodes=[{"name": "节;,\\点", "date": "2026-12-03"}])
    common = [prof, "--templates", tmp_path / "tpl"]
    plan = json.loads(cli(capsys, "plan", *common, "--format", "json"))
    want = sorted(t["message"] for t in plan["calendar"])
    assert any("\n" in m and ";" in m and "," in m and "\\" in m for m in want)

    out = tmp_path / "x.ics"
    cli(capsys, "export", *common, "-o", out)
    raw = out.read_bytes()
    lines = physical_lines(raw)
    assert any(line.startswith(b" ") for line in lines)  # it did fold
    assert b"\\;" in raw and b"\\," in raw and b"\\\\" in raw and b"\\n" in raw

    import icalendar

    cal = icalendar.Calendar.from_ical(raw)
    assert sorted(str(e["description"]) for e in cal.walk("VEVENT")) == want
    # icalendar leaves X- properties as it found them: escaped TEXT
    assert str(cal["x-wr-calname"]) == "品牌\\;\\,\\\\😀 私域SOP"
    vcal = vobject.readOne(raw.decode("utf-8"))
    assert sorted(e.description.value for e in vcal.vevent_list) == want
    assert vcal.contents["x-wr-calname"][0].value.startswith("品牌;,\\😀")
    nodes = {e.contents["x-sidomain-node"][0].value for e in vcal.vevent_list
             if "x-sidomain-node" in e.contents}
    assert "节;,\\点" in nodes  # an X- property is escaped TEXT like the rest
    assert "X-SIDOMAIN-NODE:节\\;\\,\\\\点\r\n".encode() in raw


def test_ics_with_line_breaks_and_control_characters_in_the_brand(capsys, tmp_path):
    """A brand with CR/LF and ESC once crashed the export (an unescaped NAME line)."""
    prof = write_profile(tmp_path, brand="品牌\r\n第二行\x1b[2J\x07",
                         marketing_nodes=[{"name": "节\r点", "date": "2026-12-03"}])
    out = tmp_path / "x.ics"
    cli(capsys, "export", prof, "-o", out)
    raw = out.read_bytes()
    physical_lines(raw)
    vcal = vobject.readOne(raw.decode("utf-8"))
    assert vcal.contents["x-wr-calname"][0].value == "品牌\n第二行\ufffd[2J\ufffd 私域SOP"
    assert all("\x1b" not in e.description.value for e in vcal.vevent_list)
