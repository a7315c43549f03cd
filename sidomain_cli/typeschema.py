"""JSON Schema (draft 2020-12) of sidomain's outputs, generated from the Python types
that produce them, so a consumer's schema cannot drift from the code.

A type becomes a schema like this:

- a dataclass → an object of its fields (what ``dataclasses.asdict`` writes), every field
  required, no other key (``additionalProperties: false``);
- a ``TypedDict`` → the same, from its keys (total: all required);
- ``str``, ``int``, ``float`` (any number), ``bool``; ``datetime.date`` → an ISO date string;
  ``list[X]``, ``tuple[X, ...]``, ``dict[str, X]``, ``X | None``, ``Literal[...]``, ``Any``.

What a type cannot say (an enum of channel ids, the ``HH:MM`` pattern, bounds) comes from
a *rules* table kept next to the types: ``{type name: {field: {JSON Schema keywords}}}``.
For an optional field (``X | None``) the keywords constrain the ``X`` and ``null`` stays
allowed. A rule for a field the type does not have is an error, so a renamed field cannot
leave a stale rule behind.

Named types go to ``$defs`` (see ``def_name``) and are referenced with ``$ref``::

    b = Builder(RULES, namespace=vars(shapes))
    root = b.schema(PlanJSON)
    doc = b.document(root, id="urn:sidomain:schema:plan", title="…")

Used by ``sidomain schema plan`` / ``export-row`` (and any other output a command writes
as JSON: build its types and rules, then register it in ``sidomain_cli/lint/schema.py``).
Imported only by that command: nothing here runs when a plan is made.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any, Mapping

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN}


class SchemaError(TypeError):
    """A type the generator cannot describe, or a rule for a field that does not exist."""


def enum(values, *extra) -> dict[str, Any]:
    """``{"enum": [...]}`` from a tuple or the keys of a table (domain.CHANNELS …)."""
    return {"enum": [*values, *extra]}


def _is_typeddict(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__total__")


def fields_of(tp, namespace: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Field name → resolved type, in declaration order (dataclass or TypedDict)."""
    hints = typing.get_type_hints(tp, localns=dict(namespace or {}))
    if dataclasses.is_dataclass(tp):
        return {f.name: hints[f.name] for f in dataclasses.fields(tp)}
    if _is_typeddict(tp):
        return {k: hints[k] for k in tp.__annotations__}
    raise SchemaError(f"{tp!r} is neither a dataclass nor a TypedDict")


def def_name(tp) -> str:
    """A type's name in ``$defs``: its class name without a ``JSON`` suffix (``NodeJSON``, the
    JSON form of a calendar ``Node``, is ``Node``)."""
    return tp.__name__.removesuffix("JSON") or tp.__name__


def _required(tp) -> list[str]:
    if _is_typeddict(tp):
        return [k for k in tp.__annotations__ if k in tp.__required_keys__]
    return [f.name for f in dataclasses.fields(tp)]


class Builder:
    """Builds schemas for types, collecting named object types in ``defs``."""

    def __init__(self, rules: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
                 *, namespace: Mapping[str, Any] | None = None) -> None:
        self.rules = {k: dict(v) for k, v in (rules or {}).items()}
        self.namespace = dict(namespace or {})
        self.defs: dict[str, dict[str, Any]] = {}
        self._used: set[tuple[str, str]] = set()
        self._owner: dict[str, Any] = {}

    # ---- named objects --------------------------------------------------------------------

    def ref(self, tp) -> dict[str, Any]:
        name = def_name(tp)
        if self._owner.setdefault(name, tp) is not tp:
            raise SchemaError(f"two types are both named {name} in the schema")
        if name not in self.defs:
            self.defs[name] = {}  # a placeholder first: recursive types terminate
            self.defs[name] = self.object(tp, name=name)
        return {"$ref": f"#/$defs/{name}"}

    def object(self, *parts, name: str | None = None, doc: str | None = None
               ) -> dict[str, Any]:
        """One object of the fields of ``parts`` in order (e.g. store columns + task fields).

        Rules are looked up under each part's own type name."""
        props: dict[str, Any] = {}
        required: list[str] = []
        for part in parts:
            own = self.rules.get(part.__name__, {})
            for field, tp in fields_of(part, self.namespace).items():
                if field in props:
                    raise SchemaError(f"{name or part.__name__}: field {field!r} twice")
                rule = own.get(field)
                if rule is not None:
                    self._used.add((part.__name__, field))
                props[field] = self.schema(tp, rule)
            required += [f for f in _required(part) if f not in required]
        for tname in {p.__name__ for p in parts}:
            stale = set(self.rules.get(tname, {})) - set(props)
            if stale:
                raise SchemaError(f"rules for {tname} name fields it does not have: "
                                  f"{', '.join(sorted(stale))}")
        out: dict[str, Any] = {"type": "object"}
        text = doc if doc is not None else (parts[0].__doc__ if len(parts) == 1 else None)
        if text and not text.startswith(f"{parts[0].__name__}("):  # not dataclass's repr doc
            out["description"] = " ".join(text.split())
        out.update({"properties": props, "required": required, "additionalProperties": False})
        return out

    # ---- any type -------------------------------------------------------------------------

    def schema(self, tp, rule: Mapping[str, Any] | None = None) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            if len(rest) != 1:
                raise SchemaError(f"only X | None unions are supported, not {tp!r}")
            inner = self.schema(rest[0], rule)
            if len(rest) < len(args):
                if "enum" in inner:
                    return {**inner, "enum": [*inner["enum"], None],
                            **self._nullable_type(inner)}
                return {"anyOf": [inner, {"type": "null"}]}
            return inner
        out = self._plain(tp, origin, args)
        if rule:
            out = {**out, **rule}
        return out

    @staticmethod
    def _nullable_type(inner: dict[str, Any]) -> dict[str, Any]:
        t = inner.get("type")
        return {"type": [t, "null"]} if isinstance(t, str) else {}

    def _plain(self, tp, origin, args) -> dict[str, Any]:
        if tp is Any:
            return {}
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is dt.date:
            return dict(DATE)
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in (list, tuple):
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                raise SchemaError(f"only tuple[X, ...] is supported, not {tp!r}")
            return {"type": "array", "items": self.schema(args[0])}
        if origin is dict:
            if args and args[0] is not str:
                raise SchemaError(f"JSON object keys are strings, not {args[0]!r}")
            return {"type": "object", "additionalProperties": self.schema(args[1])}
        if dataclasses.is_dataclass(tp) or _is_typeddict(tp):
            return self.ref(tp)
        raise SchemaError(f"no JSON Schema for {tp!r}")

    # ---- the document ---------------------------------------------------------------------

    def document(self, root: dict[str, Any], *, id: str, title: str, description: str = "",
                 defs: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The schema document: ``root`` with ``$schema``, ``$id``, title, and ``$defs`` (the
        named types reached, plus ``defs``, objects built with ``object()`` under a name)."""
        unknown = sorted(set(self.rules) - {t for t, _ in self._used})
        if unknown:
            raise SchemaError(f"rules for types the schema does not use: {', '.join(unknown)}")
        doc: dict[str, Any] = {"$schema": DRAFT, "$id": id, "title": title}
        doc.update(root)
        if description:
            doc["description"] = description
        for name, schema in (defs or {}).items():
            if name in self.defs:
                raise SchemaError(f"two types are both named {name} in the schema")
            self.defs[name] = schema
        doc["$defs"] = dict(sorted(self.defs.items()))
        return doc
