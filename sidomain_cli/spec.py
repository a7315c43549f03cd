"""A tiny declarative schema: one table drives validation, JSON Schema and docs.

Each spec checks a value found at a key path in a :class:`~sidomain_cli.yamlio.Doc`
and yields :class:`Problem` objects with the line and column a person must edit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from sidomain_cli.errors import Problem
from sidomain_cli.yamlio import Doc, Key

TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# The years a date may have (a profile's, a launch date, --start): a plan counts days from
# it, so year 9999 would overflow, and year 1 is a typo.
FIRST_YEAR, LAST_YEAR = 1900, 2999

# Codes shared with `sidomain lint` (S = schema)
MISSING, WRONG_TYPE, UNKNOWN_KEY, BAD_VALUE, DUPLICATE = "S001", "S002", "S003", "S004", "S005"


def type_name(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, dt.datetime):
        return "a date and time"
    if isinstance(v, dt.date):
        return "a date"
    return type(v).__name__


class Spec:
    doc: str = ""
    example: Any = None

    def check(self, value: Any, key: Key, doc: Doc) -> Iterator[Problem]:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return ""


def _wrong(doc: Doc, key: Key, expected: str, value: Any) -> Problem:
    name = ".".join(str(k) for k in key) or "document"
    return doc.problem(key, f"'{name}' must be {expected}, got {type_name(value)}",
                       code=WRONG_TYPE, value=True)


@dataclass
class Str(Spec):
    doc: str = ""
    min_len: int = 1
    max_len: int = 200
    pattern: str | None = None
    pattern_help: str = ""
    example: Any = None

    def check(self, value, key, doc):
        if not isinstance(value, str):
            yield _wrong(doc, key, "text", value)
            return
        name = ".".join(str(k) for k in key)
        if len(value.strip()) < self.min_len:
            yield doc.problem(key, f"'{name}' is empty", code=BAD_VALUE, value=True)
        elif len(value) > self.max_len:
            yield doc.problem(key, f"'{name}' is {len(value)} characters, at most {self.max_len}",
                              code=BAD_VALUE, value=True)
        elif self.pattern and not re.fullmatch(self.pattern, value):
            yield doc.problem(key, f"'{name}' is '{value}', expected {self.pattern_help}",
                              code=BAD_VALUE, value=True)

    def json_schema(self):
        s: dict[str, Any] = {"type": "string", "minLength": self.min_len, "maxLength": self.max_len}
        if self.pattern:
            s["pattern"] = self.pattern
        return s

    def describe(self):
        return self.pattern_help or "text"


@dataclass
class Num(Spec):
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    integer: bool = False
    example: Any = None

    def check(self, value, key, doc):
        name = ".".join(str(k) for k in key)
        ok = isinstance(value, int) if self.integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            yield _wrong(doc, key, "a whole number" if self.integer else "a number", value)
            return
        if value != value or value in (float("inf"), float("-inf")):
            yield doc.problem(key, f"'{name}' must be a finite number", code=BAD_VALUE, value=True)
            return
        lo = self.minimum
        if lo is not None and (value <= lo if self.exclusive_min else value < lo):
            rel = "greater than" if self.exclusive_min else "at least"
            yield doc.problem(key, f"'{name}' is {value}, must be {rel} {lo:g}",
                              code=BAD_VALUE, value=True)
        elif self.maximum is not None and value > self.maximum:
            yield doc.problem(key, f"'{name}' is {value}, must be at most {self.maximum:g}",
                              code=BAD_VALUE, value=True)

    def json_schema(self):
        s: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            s["exclusiveMinimum" if self.exclusive_min else "minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        return s

    def describe(self):
        kind = "whole number" if self.integer else "number"
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_min else '≥'} {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"≤ {self.maximum:g}")
        return kind + (f" ({', '.join(bounds)})" if bounds else "")


@dataclass
class Bool(Spec):
    doc: str = ""
    example: Any = None

    def check(self, value, key, doc):
        if not isinstance(value, bool):
            yield _wrong(doc, key, "true or false", value)

    def json_schema(self):
        return {"type": "boolean"}

    def describe(self):
        return "true/false"


@dataclass
class Enum(Spec):
    choices: tuple[str, ...] = ()
    doc: str = ""
    example: Any = None

    def check(self, value, key, doc):
        name = ".".join(str(k) for k in key)
        if isinstance(value, (dict, list)):
            yield _wrong(doc, key, "one name (" + ", ".join(self.choices[:4])
                         + (", …" if len(self.choices) > 4 else "") + ")", value)
            return
        if not isinstance(value, str) or value not in self.choices:
            near = difflib.get_close_matches(str(value), self.choices, n=1)
            hint = f"did you mean '{near[0]}'?" if near else "one of: " + ", ".join(self.choices)
            yield doc.problem(key, f"'{name}' is '{value}', not a known value", code=BAD_VALUE,
                              hint=hint, value=True)

    def json_schema(self):
        return {"type": "string", "enum": list(self.choices)}

    def describe(self):
        return " | ".join(f"`{c}`" for c in self.choices)


@dataclass
class Date(Spec):
    doc: str = ""
    example: Any = None

    def check(self, value, key, doc):
        name = ".".join(str(k) for k in key)
        if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
            yield _wrong(doc, key, "a date written YYYY-MM-DD", value)
            return
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                yield doc.problem(key, f"'{name}' is '{value}', not a real date",
                                  code=BAD_VALUE, hint="write YYYY-MM-DD", value=True)
                return
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            yield doc.problem(key, f"'{name}' is {value.isoformat()}, outside the years "
                                   f"{FIRST_YEAR}-{LAST_YEAR}",
                              code=BAD_VALUE, hint="check the year", value=True)

    def json_schema(self):
        return {"type": "string", "format": "date"}

    def describe(self):
        return "date `YYYY-MM-DD`"


@dataclass
class Time(Spec):
    doc: str = ""
    example: Any = None

    def check(self, value, key, doc):
        name = ".".join(str(k) for k in key)
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads 10:30 unquoted as a sexagesimal number
            yield doc.problem(key, f"'{name}' was read as a number", code=WRONG_TYPE,
                              hint='quote times: "10:30"', value=True)
        elif not isinstance(value, str) or not TIME_RE.fullmatch(value):
            yield doc.problem(key, f"'{name}' is '{value}', expected a time HH:MM",
                              code=BAD_VALUE, hint='e.g. "10:30"', value=True)

    def json_schema(self):
        return {"type": "string", "pattern": TIME_RE.pattern}

    def describe(self):
        return 'time `"HH:MM"`'


@dataclass
class Localized(Spec):
    """Text in one language, or a mapping ``{zh-CN: …, en: …}``."""

    doc: str = ""
    max_len: int = 2000
    example: Any = None

    def check(self, value, key, doc):
        if isinstance(value, str):
            yield from Str(max_len=self.max_len).check(value, key, doc)
        elif isinstance(value, dict):
            yield from Map({"zh-CN": Str(max_len=self.max_len), "en": Str(max_len=self.max_len)},
                           required=("zh-CN",)).check(value, key, doc)
        else:
            yield _wrong(doc, key, "text or {zh-CN: …, en: …}", value)

    def json_schema(self):
        return {"oneOf": [{"type": "string"}, {
            "type": "object", "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
            "required": ["zh-CN"], "additionalProperties": False}]}

    def describe(self):
        return "text, or `{zh-CN: …, en: …}`"


@dataclass
class ListOf(Spec):
    item: Spec = field(default_factory=Str)
    doc: str = ""
    min_items: int = 0
    max_items: int = 10_000
    unique: bool = False
    example: Any = None

    def check(self, value, key, doc):
        name = ".".join(str(k) for k in key)
        if not isinstance(value, list):
            yield _wrong(doc, key, "a list", value)
            return
        if len(value) < self.min_items:
            yield doc.problem(key, f"'{name}' needs at least {self.min_items} item(s)",
                              code=BAD_VALUE, value=True)
        if len(value) > self.max_items:
            yield doc.problem(key, f"'{name}' has {len(value)} items, at most {self.max_items}",
                              code=BAD_VALUE, value=True)
            return
        seen = set()
        for i, v in enumerate(value):
            yield from self.item.check(v, key + (i,), doc)
            if self.unique and isinstance(v, (str, int)):
                if v in seen:
                    yield doc.problem(key + (i,), f"'{v}' is listed twice in '{name}'",
                                      code=DUPLICATE)
                seen.add(v)

    def json_schema(self):
        s = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            s["minItems"] = self.min_items
        if self.unique:
            s["uniqueItems"] = True
        return s

    def describe(self):
        return f"list of {self.item.describe()}"


@dataclass
class DictOf(Spec):
    """A mapping with free keys (matching ``key_pattern``) and one value spec."""

    value: Spec = field(default_factory=Str)
    doc: str = ""
    key_pattern: str = r"^[A-Za-z_][A-Za-z0-9_-]*$"
    keys: tuple[str, ...] = ()
    example: Any = None

    def check(self, value, key, doc):
        if not isinstance(value, dict):
            yield _wrong(doc, key, "a mapping", value)
            return
        for k, v in value.items():
            ks = str(k)
            if self.keys and ks not in self.keys:
                near = difflib.get_close_matches(ks, self.keys, n=1)
                yield doc.problem(key + (ks,), f"unknown key '{ks}'", code=UNKNOWN_KEY,
                                  hint=f"did you mean '{near[0]}'?" if near else
                                  "valid keys: " + ", ".join(self.keys))
                continue
            if not re.fullmatch(self.key_pattern, ks):
                yield doc.problem(key + (ks,), f"key '{ks}' is not a valid name", code=BAD_VALUE)
                continue
            yield from self.value.check(v, key + (ks,), doc)

    def json_schema(self):
        s: dict[str, Any] = {"type": "object", "additionalProperties": self.value.json_schema()}
        if self.keys:
            s["properties"] = {k: self.value.json_schema() for k in self.keys}
            s["additionalProperties"] = False
        return s

    def describe(self):
        return f"mapping of name → {self.value.describe()}"


@dataclass
class Map(Spec):
    fields: dict[str, Spec] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()  # exactly one of each group
    doc: str = ""
    example: Any = None

    def check(self, value, key, doc):
        name = ".".join(str(k) for k in key) or "document"
        if not isinstance(value, dict):
            yield _wrong(doc, key, "a mapping of 'key: value' lines", value)
            return
        keys = {str(k) for k in value}
        for req in self.required:
            if req not in keys:
                where = f" in '{name}'" if key else ""
                yield doc.problem(key, f"missing required field '{req}'{where}", code=MISSING,
                                  hint=f"add '{req}: …' ({self.fields[req].describe()})")
        for group in self.one_of:
            present = [g for g in group if g in keys]
            if not present:
                yield doc.problem(key, f"missing field: give one of {' or '.join(group)}",
                                  code=MISSING)
            elif len(present) > 1:
                yield doc.problem(key + (present[1],),
                                  f"give only one of {' or '.join(present)}", code=BAD_VALUE)
        for k, v in value.items():
            ks = str(k)
            spec = self.fields.get(ks)
            if spec is None:
                near = difflib.get_close_matches(ks, list(self.fields), n=1, cutoff=0.5)
                yield doc.problem(key + (ks,), f"unknown key '{ks}'", code=UNKNOWN_KEY,
                                  hint=f"did you mean '{near[0]}'?" if near else
                                  "valid keys: " + ", ".join(self.fields))
                continue
            yield from spec.check(v, key + (ks,), doc)

    def json_schema(self):
        s: dict[str, Any] = {
            "type": "object",
            "properties": {},
            "additionalProperties": False,
        }
        for k, spec in self.fields.items():
            sub = spec.json_schema()
            if spec.doc:
                sub = {"description": spec.doc, **sub}
            s["properties"][k] = sub
        if self.required:
            s["required"] = list(self.required)
        if self.one_of:
            s["allOf"] = [{"oneOf": [{"required": [g]} for g in group]} for group in self.one_of]
        return s

    def describe(self):
        return "mapping"


@dataclass
class Nullable(Spec):
    """``inner`` or ``null``."""

    inner: Spec = field(default_factory=Str)
    doc: str = ""
    example: Any = None

    def check(self, value, key, doc):
        if value is not None:
            yield from self.inner.check(value, key, doc)

    def json_schema(self):
        return {"oneOf": [self.inner.json_schema(), {"type": "null"}]}

    def describe(self):
        return f"{self.inner.describe()} or null"
