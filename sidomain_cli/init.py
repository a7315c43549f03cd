"""The questions of ``sidomain init`` and the profile it writes.

Nothing here touches a terminal by itself: :func:`ask_missing` reads answers from the
file it is given (a terminal or a pipe, one answer a line) and writes the questions to
another, so the same code serves a person, a pipe and a test. Limits come from
``PROFILE_SPEC`` (the one source for validation); the text written is checked by the
same reader ``plan`` uses before it is written, so ``init`` cannot write a profile that
``plan`` refuses.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from dataclasses import dataclass, fields, replace
from typing import IO, Any

from sidomain_cli.domain import ACQUISITION, CHANNELS, LEVELS, TOUCHPOINTS, label
from sidomain_cli.errors import InputError
from sidomain_cli.profile import PROFILE_SPEC
from sidomain_cli.spec import FIRST_YEAR, LAST_YEAR

DEFAULT_TOUCHPOINTS = ("wecom_1v1", "wecom_group", "wecom_moments", "mini_program", "store_qr")
BANDS = {"low": "low", "mid": "mid", "high": "high", "低": "low", "中": "mid", "高": "high"}
TRIES = 5

Q = {
    "brand": {"zh-CN": "品牌名(顾客怎么称呼你)", "en": "Brand name (as customers know it)"},
    "industry": {"zh-CN": "行业(如 咖啡、茶饮、火锅、服装、美妆、珠宝)",
                 "en": "Trade (e.g. coffee, tea, hotpot, apparel, beauty, jewellery)"},
    "avg_ticket": {"zh-CN": "客单价(元;或 低/中/高)",
                   "en": "Average ticket in CNY (or low/mid/high)"},
    "purchases": {"zh-CN": "每位顾客每月购买几次(如 0.5、2、6;或 低/中/高)",
                  "en": "Purchases per customer a month (e.g. 0.5, 2, 6; or low/mid/high)"},
    "touchpoints": {"zh-CN": "有哪些触点?输入编号或id,逗号或空格分隔",
                    "en": "Which touchpoints does the brand have? Numbers or ids, comma or "
                          "space separated"},
    "stores": {"zh-CN": "门店数", "en": "Number of stores"},
    "start_date": {"zh-CN": "计划开始日期(YYYY-MM-DD)", "en": "First day of the plan (YYYY-MM-DD)"},
}
PLACEHOLDER = {"brand": {"zh-CN": "我的品牌", "en": "My brand"},
               "industry": {"zh-CN": "零售", "en": "retail"}}


@dataclass(frozen=True)
class Answers:
    """What ``init`` knows so far; ``None`` is "not asked yet"."""

    brand: Any = None
    industry: Any = None
    avg_ticket: Any = None      # float, or a band
    purchases: Any = None       # float, or a band
    touchpoints: Any = None     # tuple of ids
    stores: Any = None
    start_date: Any = None      # dt.date

    def with_defaults(self, locale: str, today: dt.date | None = None) -> "Answers":
        d = defaults(locale, today)
        return replace(self, **{f.name: getattr(self, f.name) if getattr(self, f.name) is not None
                                else d[f.name] for f in fields(self)})


def next_monday(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def defaults(locale: str, today: dt.date | None = None) -> dict[str, Any]:
    return {"brand": PLACEHOLDER["brand"][locale], "industry": PLACEHOLDER["industry"][locale],
            "avg_ticket": "mid", "purchases": "mid", "touchpoints": DEFAULT_TOUCHPOINTS,
            "stores": 1, "start_date": next_monday(today)}


# ---- one parser per question: text → value, or ValueError with the reason ---------------

def _text(name: str, raw: str, locale: str) -> str:
    spec = PROFILE_SPEC.fields[name]
    s = " ".join(str(raw).split())
    if not s:
        raise ValueError("请填写" if locale == "zh-CN" else "give a value")
    if len(s) > spec.max_len:
        raise ValueError(f"at most {spec.max_len} characters")
    return s


def _number_or_band(name: str, raw: str, locale: str) -> float | str:
    s = str(raw).strip().lower()
    if s in BANDS:
        return BANDS[s]
    spec = PROFILE_SPEC.fields[name]
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"'{raw}' is not a number or low/mid/high") from None
    if not (value > spec.minimum and value <= spec.maximum):
        raise ValueError(f"must be more than {spec.minimum:g} and at most {spec.maximum:g}")
    return int(value) if value.is_integer() else value


def _touchpoints(raw: str, locale: str) -> tuple[str, ...]:
    out: list[str] = []
    for token in str(raw).replace(",", " ").replace(",", " ").split():
        if token.isdigit() and 1 <= int(token) <= len(TOUCHPOINTS):
            tp = TOUCHPOINTS[int(token) - 1]
        elif token in TOUCHPOINTS:
            tp = token
        else:
            raise ValueError(f"'{token}' is not a number 1-{len(TOUCHPOINTS)} or one of "
                             + ", ".join(TOUCHPOINTS))
        if tp not in out:
            out.append(tp)
    if not out:
        raise ValueError("choose at least one" if locale != "zh-CN" else "至少选一个")
    return tuple(out)


def _stores(raw, locale: str) -> int:
    spec = PROFILE_SPEC.fields["stores"]
    try:
        n = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"'{raw}' is not a whole number") from None
    if not spec.minimum <= n <= spec.maximum:
        raise ValueError(f"must be {spec.minimum:g}-{spec.maximum:g}")
    return n


def _date(raw, locale: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        d = dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValueError(f"'{raw}' is not a date; write YYYY-MM-DD") from None
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise ValueError(f"the year must be {FIRST_YEAR}-{LAST_YEAR}")
    return d


PARSERS = {
    "brand": lambda raw, L: _text("brand", raw, L),
    "industry": lambda raw, L: _text("industry", raw, L),
    "avg_ticket": lambda raw, L: _number_or_band("avg_ticket", raw, L),
    "purchases": lambda raw, L: _number_or_band("purchases_per_month", raw, L),
    "touchpoints": _touchpoints,
    "stores": _stores,
    "start_date": _date,
}
FLAGS = {"brand": "--brand", "industry": "--industry", "avg_ticket": "--avg-ticket",
         "purchases": "--purchases", "touchpoints": "--touchpoints", "stores": "--stores",
         "start_date": "--start-date"}


def check_answers(given: Answers, locale: str) -> Answers:
    """Flags parsed like answers; a bad one is a usage error naming its flag."""
    import typer

    values = {}
    for f in fields(given):
        raw = getattr(given, f.name)
        if raw is None:
            values[f.name] = None
            continue
        try:
            values[f.name] = PARSERS[f.name](raw, locale)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=FLAGS[f.name]) from None
    return Answers(**values)


def _shown(name: str, value, locale: str) -> str:
    if name == "touchpoints":
        return ",".join(str(TOUCHPOINTS.index(t) + 1) for t in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value in LEVELS and locale == "zh-CN":
        return {"low": "低", "mid": "中", "high": "高"}[value]
    return str(value)


def ask_missing(answers: Answers, locale: str, stdin: IO[str], out: IO[str],
                today: dt.date | None = None) -> Answers:
    """Ask each question not answered yet; an empty line takes the default shown."""
    d = defaults(locale, today)
    values = {}
    for f in fields(answers):
        name = f.name
        if getattr(answers, name) is not None:
            values[name] = getattr(answers, name)
            continue
        if name == "touchpoints":
            out.write(_checklist(d["touchpoints"], locale))
        default = None if name in PLACEHOLDER else d[name]
        values[name] = _ask(name, default, locale, stdin, out)
    return Answers(**values)


def _checklist(chosen, locale: str) -> str:
    lines = []
    for i, tp in enumerate(TOUCHPOINTS, 1):
        mark = "x" if tp in chosen else " "
        name = label(CHANNELS, tp, locale) if tp in CHANNELS else label(ACQUISITION, tp, locale)
        lines.append(f"  {i:2d} [{mark}] {tp:17} {name}\n")
    return "".join(lines)


def _ask(name: str, default, locale: str, stdin: IO[str], out: IO[str]):
    question = Q[name][locale]
    hint = f" [{_shown(name, default, locale)}]" if default is not None else ""
    for _ in range(TRIES):
        out.write(f"{question}{hint}: ")
        out.flush()
        line = stdin.readline()
        if not line:  # end of input: the default, if the question has one
            out.write("\n")
            if default is None:
                raise InputError(f"no answer for {name} (input ended)",
                                 hint=f"pass {FLAGS[name]} or --yes")
            return default
        line = line.strip()
        if not _isatty(stdin):  # piped: echo the answer, so the log reads as a dialogue
            out.write(line + "\n")
        if not line and default is not None:
            return default
        try:
            return PARSERS[name](line, locale)
        except ValueError as exc:
            out.write(f"  ✗ {exc}\n")
    raise InputError(f"no valid answer for {name} after {TRIES} tries",
                     hint=f"pass {FLAGS[name]}")


def _isatty(f) -> bool:
    try:
        return f.isatty()
    except (AttributeError, ValueError):
        return False


# ---- the profile text --------------------------------------------------------------------

COMMENT_AT = 29


def _c(entry: str, comment: str) -> str:
    """``entry`` with ``# comment`` at a fixed column."""
    return f"{entry:<{COMMENT_AT - 1}} # {comment}"


def _q(value) -> str:
    """A YAML scalar: strings double-quoted (JSON's escapes are YAML's)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def profile_text(a: Answers, locale: str, path: str = "brand.yaml") -> str:
    """A commented profile for ``a``, checked by the profile reader before it is returned."""
    zh = locale == "zh-CN"
    from sidomain_cli.safetext import one_line

    lines = [f"# {one_line(a.brand)}: brand profile written by `sidomain init`; edit freely.",
             "# Every field is documented in the README (\"Brand profile\"); check it with",
             f"# `sidomain lint {path}`, plan with `sidomain plan {path}`.",
             f"brand: {_q(a.brand)}",
             f"industry: {_q(a.industry)}"]
    if isinstance(a.avg_ticket, str):
        lines.append(_c(f"price_band: {a.avg_ticket}", "or avg_ticket: CNY per order (客单价)"))
    else:
        lines.append(_c(f"avg_ticket: {a.avg_ticket}", "CNY per order (客单价); or price_band"))
    if isinstance(a.purchases, str):
        lines.append(_c(f"frequency: {a.purchases}", "or purchases_per_month: per customer"))
    else:
        lines.append(_c(f"purchases_per_month: {a.purchases}", "per customer; or frequency"))
    lines.append(_c("touchpoints:", "reach channels and acquisition touchpoints"))
    for tp in a.touchpoints:
        name = label(CHANNELS, tp, "zh-CN") if tp in CHANNELS else label(ACQUISITION, tp, "zh-CN")
        lines.append(_c(f"  - {tp}", name))
    lines += [
        f"stores: {a.stores}",
        _c(f"start_date: {a.start_date.isoformat()}", "`sidomain plan --start` overrides it"),
        _c(f"locale: {locale}", "zh-CN or en: the plan's language"),
        _c("timezone: Asia/Shanghai", "IANA name of the stores' timezone"),
        _c('quiet_hours: "22:00-08:00"', "no task is scheduled inside"),
        _c("group_size: 200", "members per customer group"),
        _c("# member_day: 18", "会员日: day of the month"),
        _c("# marketing_nodes:", "618, 双11, 双12 and public holidays are added for you"),
        f"#   - {{name: 周年庆, date: {a.start_date.isoformat()}, level: S}}",
        _c("# offers:", "quoted by the scripts; the playbook has defaults"),
        "#   welcome_gift: " + ("进群即领新人券" if zh else "a welcome coupon for joining"),
        "#   first_order: " + ("新人首单立减10元" if zh else "10 CNY off the first order"),
        "",
    ]
    text = "\n".join(lines)
    _check(text, path)
    return text


def _check(text: str, path: str) -> None:
    from sidomain_cli.profile import profile_from_doc
    from sidomain_cli.yamlio import parse_yaml

    profile_from_doc(parse_yaml(text, path))


def next_steps(path: str, locale: str) -> str:
    p = shlex.quote(path)
    head = f"已写入 {path}。下一步:\n" if locale == "zh-CN" else f"Wrote {path}. Next:\n"
    return head + "".join(f"  sidomain {c}\n" for c in (
        f"lint {p}", f"plan {p}", f"plan {p} --format html -o plan.html"))
