"""Industry packs (行业包): what sidomain knows about one trade, as validated data.

A pack gives a trade's default offers, send times and service peaks, product and reward
vocabulary, the persona the copy signs as, the marketing nodes it works and at which
level, forecast defaults and KPI refinements (docs/packs.md).  ``PACK_SPEC`` drives
validation, ``sidomain schema pack`` and lint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sidomain_cli.domain import DAYPARTS, GROUP_TYPES, LOCALES, MODELS, STORE_TYPES, text
from sidomain_cli.errors import InputError, problems_error
from sidomain_cli.profile import OFFER_KEYS
from sidomain_cli.spec import (DictOf, Enum, ListOf, Localized, Map, Nullable, Num, Str, Time)
from sidomain_cli.yamlio import Doc, load_yaml

VOCABULARY = ("products", "rewards", "scenes")
PEAK_RE = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d\Z"
FALLBACK = "general"

_WORDS = DictOf(ListOf(Str(max_len=80), min_items=0), keys=LOCALES)

PACK_SPEC = Map(
    fields={
        "kind": Enum(("industry_pack",), doc="Always `industry_pack`."),
        "id": Str(pattern=r"^[a-z][a-z0-9_]*\Z", pattern_help="a lower-case id like coffee",
                  max_len=60, doc="Pack id (the file name without .yaml)."),
        "name": Localized(max_len=60, doc="Display name of the trade."),
        "aliases": ListOf(Str(max_len=40), min_items=0, unique=True,
                          doc="Words of the profile's `industry` that choose this pack."),
        "models": DictOf(Map({
            "model": Enum(tuple(MODELS)),
            "group_type": Enum(GROUP_TYPES),
            "why": Localized(max_len=600),
        }, required=("model", "why")), keys=STORE_TYPES,
            doc="Operating model for grid cells where this trade differs from the method."),
        "persona": Map({"role": Localized(max_len=20), "name": Localized(max_len=20)},
                       doc="The group owner's persona (人设) the copy signs as."),
        "vocabulary": DictOf(_WORDS, keys=VOCABULARY,
                             doc="Products, rewards and scenes the copy rotates through."),
        "offers": Map({**{k: Localized(max_len=120) for k in OFFER_KEYS}, "deals": _WORDS},
                      doc="The trade's default offers (the profile's replace them by key)."),
        "node_deals": DictOf(Localized(max_len=120),
                             doc="A node's own deal, quoted by every task of its day instead of "
                                 "the rotating one: node id → text (冬至 → 羊肉锅底送现切羊肉卷)."),
        "dayparts": DictOf(Time(), keys=DAYPARTS, doc="Local send time of each part of the day."),
        "task_dayparts": DictOf(Enum(DAYPARTS),
                                doc="Re-time a playbook task for this trade: task id → day-part "
                                    "(e.g. `daily_deal: dinner` for restaurants)."),
        "small_weekday": Num(integer=True, minimum=0, maximum=6,
                             doc="Weekday of the weekly small activity, 0 = Monday (default 4, "
                                 "Friday)."),
        "service_peaks": ListOf(Str(pattern=PEAK_RE, pattern_help='"HH:MM-HH:MM"'),
                                min_items=0, doc="Hours staff cannot post (service peaks)."),
        "nodes": DictOf(Nullable(Enum(("S", "A", "B"))),
                        doc="Calendar node id → level S/A/B, or null to drop it."),
        "forecast": Map({"recruits_per_store_per_day": Num(minimum=0, maximum=100_000),
                         "source": Enum(("method", "default")),
                         "node_order_uplift": Map({lv: Num(minimum=0, maximum=20)
                                                   for lv in ("S", "A", "B")},
                                                  doc="Orders on a node's day against a usual "
                                                      "day, by level (default: method.yaml's).")},
                        doc="Forecast defaults for this trade."),
        "operations": Map({"spring_festival_closed": ListOf(Str(max_len=40), min_items=0)},
                          doc="Holiday operations (closures over 春节)."),
        "kpis": DictOf(Num(minimum=0), doc="KPI targets that differ for this trade."),
    },
    required=("kind", "id", "name"),
)

DEFAULT_DAYPARTS = {"early": "07:30", "morning": "09:30", "lunch": "11:00",
                    "afternoon": "15:00", "dinner": "17:30", "evening": "20:00",
                    "late": "21:00"}


@dataclass(frozen=True)
class Pack:
    """行业包: one trade's defaults (docs/packs.md)."""

    id: str
    path: str
    name: Any
    aliases: tuple[str, ...] = ()
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    persona: dict[str, Any] = field(default_factory=dict)
    vocabulary: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    offers: dict[str, Any] = field(default_factory=dict)
    deals: dict[str, list[str]] = field(default_factory=dict)
    node_deals: dict[str, Any] = field(default_factory=dict)
    dayparts: dict[str, str] = field(default_factory=dict)
    service_peaks: tuple[tuple[int, int], ...] = ()
    small_weekday: int = 4
    task_dayparts: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str | None] = field(default_factory=dict)
    forecast: dict[str, Any] = field(default_factory=dict)
    operations: dict[str, Any] = field(default_factory=dict)
    kpis: dict[str, float] = field(default_factory=dict)

    def words(self, kind: str, locale: str) -> list[str]:
        by_locale = self.vocabulary.get(kind) or {}
        return list(by_locale.get(locale) or by_locale.get("zh-CN") or [])

    def send_time(self, daypart: str) -> str:
        return self.dayparts.get(daypart) or DEFAULT_DAYPARTS[daypart]


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def pack_from_doc(doc: Doc) -> Pack:
    problems = list(doc.duplicates)
    data = doc.data
    if data is None:
        raise problems_error([doc.problem((), "industry pack is empty", code="S001")])
    problems.extend(PACK_SPEC.check(data, (), doc))
    if problems:
        raise problems_error(problems)
    offers = dict(data.get("offers") or {})
    deals = offers.pop("deals", None) or {}
    peaks = tuple((minutes(a), minutes(b)) for a, b in
                  (p.split("-") for p in data.get("service_peaks") or ()))
    return Pack(
        id=data["id"], path=doc.path, name=data["name"],
        aliases=tuple(data.get("aliases") or ()), models=dict(data.get("models") or {}),
        persona=dict(data.get("persona") or {}), vocabulary=dict(data.get("vocabulary") or {}),
        offers=offers, deals=dict(deals), node_deals=dict(data.get("node_deals") or {}),
        dayparts=dict(data.get("dayparts") or {}),
        service_peaks=peaks, small_weekday=data.get("small_weekday", 4),
        task_dayparts=dict(data.get("task_dayparts") or {}), nodes=dict(data.get("nodes") or {}),
        forecast=dict(data.get("forecast") or {}), operations=dict(data.get("operations") or {}),
        kpis=dict(data.get("kpis") or {}))


def builtin_pack_files() -> dict[str, Path]:
    from sidomain_cli.resources import playbooks_dir

    folder = playbooks_dir() / "industries"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


@lru_cache(maxsize=64)
def _load_pack_file(path: str, mtime_ns: int) -> Pack:
    return pack_from_doc(load_yaml(Path(path), what="industry pack"))


def load_pack_file(path: Path) -> Pack:
    pack = _load_pack_file(str(path), path.stat().st_mtime_ns)
    if pack.id != path.stem:
        raise InputError(f"pack id '{pack.id}' differs from its file name '{path.stem}'",
                         path=str(path), hint="name the file <id>.yaml")
    return pack


def all_packs() -> dict[str, Pack]:
    """Every built-in pack by id, in id order."""
    return {pid: load_pack_file(p) for pid, p in builtin_pack_files().items()}


# ---- the compiled alias index: choose a pack without parsing all of them ---------------
# playbooks/industries/index.json holds each built-in pack's aliases and a fingerprint of
# every pack file it was compiled from (scripts/gen_pack_index.py). `plan` reads it to choose
# a pack and then parses only that pack (each pack costs ~5-10 ms of YAML and checks; all 11
# were parsed on every run). A stale or missing index costs only that time, never a wrong
# choice: the packs themselves are read instead.

INDEX = "index.json"


def _fingerprints(files: dict[str, Path]) -> dict[str, str]:
    """File name → size:CRC-32 (as nodes.json records nodes.yaml; not importing the calendar
    module for it keeps this at a fraction of a millisecond)."""
    import zlib

    out = {}
    for p in files.values():
        raw = p.read_bytes()
        out[p.name] = f"{len(raw)}:{zlib.crc32(raw):08x}"
    return out


def index_json(files: dict[str, Path] | None = None) -> str:
    """The text of index.json for these pack files (default: the built-in ones)."""
    import json

    files = builtin_pack_files() if files is None else files
    packs = {pid: load_pack_file(p) for pid, p in files.items()}
    head = {"compiled_from": _fingerprints(files),
            "note": "generated from the packs by scripts/gen_pack_index.py; do not edit"}
    body = ",\n".join(f"    {json.dumps(pid)}: {json.dumps(list(p.aliases), ensure_ascii=False)}"
                      for pid, p in packs.items())
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "aliases": {\n' + body + "\n}}\n"


def compiled_aliases(files: dict[str, Path]) -> dict[str, tuple[str, ...]] | None:
    """Pack id → aliases from the index beside ``files``, if compiled from exactly them."""
    import json

    if not files:
        return None
    folder = next(iter(files.values())).parent
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        if index.get("compiled_from") != _fingerprints(files):
            return None
        aliases = index["aliases"]
        if list(aliases) != list(files):
            return None
        return {pid: tuple(a) for pid, a in aliases.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def select_pack(industry: str, forced: str | None) -> tuple[Pack, str]:
    """``choose_pack`` over the built-in packs, parsing only the one it picks."""
    files = builtin_pack_files()
    aliases = compiled_aliases(files)
    if aliases is None:
        return choose_pack(industry, forced, all_packs())
    pid, why = _choose(industry, forced, aliases)
    return load_pack_file(files[pid]), why


# ---- choosing a pack from the profile's free-text industry ----------------------------

def _norm(s: str) -> str:
    return re.sub(r"[\s\W_]+", " ", s.casefold()).strip()


def _alias_hit(alias: str, industry: str) -> bool:
    a = _norm(alias)
    if not a:
        return False
    if a.replace(" ", "") not in industry.replace(" ", ""):
        return False  # cannot match (cheap): only candidates pay for a regular expression
    if a.isascii():  # whole words only: "tea" is not in "steakhouse"
        pattern = r"(?<![a-z0-9])" + r"\s*".join(map(re.escape, a.split())) + r"(?![a-z0-9])"
        return re.search(pattern, industry) is not None
    return True


def choose_pack(industry: str, forced: str | None, packs: dict[str, Pack]) -> tuple[Pack, str]:
    """The pack for a profile, and the reason (one sentence key + values for the notes)."""
    pid, why = _choose(industry, forced, {pid: p.aliases for pid, p in packs.items()})
    return packs[pid], why


def _choose(industry: str, forced: str | None, packs: dict[str, tuple[str, ...]]
            ) -> tuple[str, str]:
    """The pack id for a profile among ``packs`` (id → aliases), and the reason."""
    if forced:
        if forced not in packs:
            import difflib

            near = difflib.get_close_matches(forced, list(packs), n=1)
            raise InputError(f"unknown industry pack '{forced}'",
                             hint=(f"did you mean '{near[0]}'? " if near else "")
                             + "packs: " + ", ".join(packs))
        return forced, "forced"
    text_ = _norm(industry)
    best: tuple[int, str, str] | None = None
    for pid, aliases in packs.items():
        for alias in aliases:
            if _alias_hit(alias, text_):
                cand = (len(_norm(alias)), pid, alias)
                if best is None or cand[0] > best[0]:
                    best = cand
    if best:
        return best[1], "alias:" + best[2]
    if FALLBACK not in packs:
        raise InputError("no industry pack matches and the 'general' pack is missing",
                         hint="reinstall sidomain or set industry_pack:")
    return FALLBACK, "fallback"


def pack_reason(pack: Pack, reason: str, industry: str, locale: str) -> str:
    name = text(pack.name, locale)
    zh = locale == "zh-CN"
    if reason == "forced":
        return (f"行业包:{name}({pack.id}),由档案 industry_pack 指定。" if zh else
                f"Industry pack: {name} ({pack.id}), set by industry_pack in the profile.")
    if reason.startswith("alias:"):
        alias = reason[6:]
        return (f"行业包:{name}({pack.id}),因为行业“{industry}”含“{alias}”。" if zh else
                f"Industry pack: {name} ({pack.id}), because the industry \u201c{industry}\u201d "
                f"contains \u201c{alias}\u201d.")
    return (f"行业包:通用({pack.id})——行业“{industry}”没有匹配的行业包,使用通用话术;"
            f"可在档案中用 industry_pack 指定。" if zh else
            f"Industry pack: general ({pack.id}) — no pack matches the industry "
            f"\u201c{industry}\u201d, so the copy is trade-neutral; set industry_pack to choose one.")
