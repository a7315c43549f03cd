"""The Advertising Law term list (rule C001): built-in data plus the user's extensions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sidomain_cli.spec import ListOf, Map, Str, Enum

BUILTIN = Path(__file__).with_name("banned_terms.yaml")

TERMS_SPEC = Map(
    fields={
        "kind": Enum(("compliance",), doc="Always `compliance`."),
        "terms": ListOf(Map({"term": Str(max_len=40, doc="Text to flag (case-insensitive for "
                                                           "Latin letters)."),
                             "why": Str(max_len=200, doc="Why it is banned; shown in the "
                                                         "message.")},
                            required=("term",)), doc="Terms to flag."),
        "allow": ListOf(Str(max_len=40), doc="Ordinary words that contain a term but make no "
                                             "claim (最近, 第一次 …); never flagged."),
    },
    required=("kind",),
)


@dataclass(frozen=True)
class Hit:
    start: int
    term: str
    why: str


@dataclass
class Terms:
    terms: dict[str, str]  # lower-cased term → why
    allow: tuple[str, ...]

    def find(self, text: str) -> list[Hit]:
        """Banned terms in ``text``: longest match first, none inside an allowed word."""
        low = text.lower()
        blocked = [False] * len(text)
        for word in self.allow:
            start = low.find(word)
            while start >= 0:
                for i in range(start, start + len(word)):
                    blocked[i] = True
                start = low.find(word, start + 1)
        hits: list[Hit] = []
        taken = [False] * len(text)
        for term in sorted(self.terms, key=lambda t: (-len(t), t)):
            start = low.find(term)
            while start >= 0:
                span = range(start, start + len(term))
                if not any(blocked[i] or taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    hits.append(Hit(start, text[start:start + len(term)], self.terms[term]))
                start = low.find(term, start + 1)
        return sorted(hits, key=lambda h: h.start)


def load_terms(extra: tuple[Path, ...] = (), *, encoding: str | None = None) -> Terms:
    """The built-in list, extended by each ``--terms`` file (validated like any input)."""
    from sidomain_cli.errors import problems_error
    from sidomain_cli.yamlio import load_yaml

    terms: dict[str, str] = {}
    allow: list[str] = []
    for path in (BUILTIN, *extra):
        doc = load_yaml(path, what="terms file", encoding=None if path == BUILTIN else encoding)
        problems = list(doc.duplicates) + list(TERMS_SPEC.check(doc.data, (), doc))
        if problems:
            raise problems_error(problems)
        for t in doc.data.get("terms") or ():
            terms[t["term"].strip().lower()] = t.get("why", "absolute claim")
        allow.extend(a.strip().lower() for a in doc.data.get("allow") or ())
    return Terms(terms, tuple(dict.fromkeys(allow)))
