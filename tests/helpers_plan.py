"""Shared helpers for plan tests: build profiles, run the CLI, check hard rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import yaml

from sidomain_cli.cli import run
from sidomain_cli.domain import SEGMENT_AUDIENCES
from sidomain_cli.planning import make_plan
from sidomain_cli.playbook import load_method, load_playbook
from sidomain_cli.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
CJK = re.compile(r"[\u4e00-\u9fff]")

BASE = {
    "brand": "测试品牌",
    "industry": "coffee",
    "avg_ticket": 30,
    "purchases_per_month": 4,
    "touchpoints": ["wecom_1v1", "wecom_group", "wecom_moments", "mini_program",
                    "official_account", "channels_live", "sms", "store_qr"],
    "stores": 10,
    "start_date": "2026-12-01",
}


def write_profile(tmp_path: Path, name: str = "brand.yaml", **fields) -> Path:
    data = {**BASE, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def plan_json(capsys, *args) -> dict:
    code = run(["plan", *map(str, args), "--format", "json", "--output", "-"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def in_quiet(hhmm: str, quiet: str) -> bool:
    a, b = (minutes(x) for x in quiet.split("-"))
    m = minutes(hhmm)
    return (a <= m < b) if a < b else (m >= a or m < b)


def check_hard_rules(plan: dict, *, moments_cap: int = 3, bulk_cap: int = 1) -> None:
    """The calendar's hard rules (issue 2 §6), asserted on a JSON plan."""
    cal = plan["calendar"]
    assert cal, "calendar is empty"
    start = dt.date.fromisoformat(plan["start_date"])
    end = start + dt.timedelta(days=plan["days"] - 1)
    model = plan["operating_model"] if plan["playbook"] == plan["operating_model"] else plan["playbook"]
    playbook = load_playbook(plan["playbook"])
    for t in cal:
        d = dt.date.fromisoformat(t["date"])
        assert start <= d <= end
        assert (d - start).days + 1 == t["day"]
        assert not in_quiet(t["time"], plan["quiet_hours"]), t
        assert "{{" not in t["message"] and "}}" not in t["message"] and "{%" not in t["message"]
        assert t["message"].strip(), t
        expected_phase = "retention" if t["day"] <= 7 else "conversion"
        assert t["phase"] == expected_phase
        if t["phase"] == "retention":
            assert t["metric"] == "group_retention_7d" or t["metric"]
        if t["channel"] == "wecom_1v1" and model != "one_on_one":
            # key days (big, node and campaign days, the playbook's key_days) or the loyal core
            assert t["activity"] in ("big", "node", "warmup", "peak") \
                or t["day"] in playbook.key_days or t["segment"] in ("loyal_high", "high_value"), t
    moments = Counter(t["day"] for t in cal if t["channel"] == "wecom_moments")
    assert max(moments.values(), default=0) <= moments_cap
    # the cap is per customer or group: count per audience (a segment covers its audiences)
    bulk = Counter((t["day"], t["channel"], a) for t in cal
                   if t["send"] == "company_bulk" and t["channel"] in ("wecom_group", "wecom_1v1")
                   for a in SEGMENT_AUDIENCES[t["segment"]])
    assert max(bulk.values(), default=0) <= bulk_cap
    shares = [c["share"] for c in plan["channel_mix"]]
    assert abs(sum(shares) - 1) < 1e-9


def plan_for(path: Path, **kw):
    return make_plan(load_profile(path), method=load_method(), **kw)
