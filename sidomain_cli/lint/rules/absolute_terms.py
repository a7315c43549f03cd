"""C001 absolute-terms: an absolute claim China's Advertising Law bans (极限词).

What it does
  Finds the terms of the compliance list (最, 第一, 国家级, 最高级, 最佳, 顶级, 极品,
  全网最低 …; `sidomain/lint/banned_terms.yaml`) in message templates and in the texts
  messages quote: the `offers` of playbooks and profiles and the profile's marketing
  node names. Ordinary words that only contain a term (最近, 第一次 …) are allowed.
  Extend the list with `--terms FILE` (same format: `kind: compliance`, `terms`,
  `allow`). Mark a deliberate exception with `# sidomain: disable=C001` on the YAML line
  or `{# sidomain: disable=C001 #}` on the template line.

Why it matters
  Article 9 of the Advertising Law forbids "国家级", "最高级", "最佳" and similar
  wording; market regulators fine such messages, and one template reaches every store.

Failing example
  {{ brand }}全网最低价,错过再等一年!

Passing example
  {{ brand }}限时特惠,{{ offers.first_order }}
"""

import re

CODE = "C001"
NAME = "absolute-terms"
SEVERITY = "error"
KINDS = ("template", "playbook", "profile")
SUMMARY = "An absolute claim the Advertising Law bans (最, 第一, 国家级, 全网最低 …)."

_JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}")


def _message(term: str, why: str) -> str:
    return f"'{term}' is an absolute claim banned in ads by the Advertising Law ({why})"


def _hint(kind: str) -> str:
    mark = "{# sidomain: disable=C001 #}" if kind == "template" else "# sidomain: disable=C001"
    return f"rephrase without it, or mark a deliberate exception with {mark}"


def _texts(ctx):
    """(key, text) of the YAML values that messages quote."""
    data = ctx.data
    offers = data.get("offers")
    if isinstance(offers, dict):
        for k, v in offers.items():
            if isinstance(v, str):
                yield ("offers", k), v
            elif isinstance(v, dict):
                for loc, s in v.items():
                    if isinstance(s, str):
                        yield ("offers", k, loc), s
    nodes = data.get("marketing_nodes") if ctx.kind == "profile" else None
    if isinstance(nodes, list):
        for i, n in enumerate(nodes):
            if isinstance(n, dict) and isinstance(n.get("name"), str):
                yield ("marketing_nodes", i, "name"), n["name"]


def check(ctx):
    terms = ctx.workspace.terms
    if ctx.kind == "template":
        for n, line in enumerate(ctx.lines, 1):
            plain = _JINJA.sub(lambda m: " " * len(m.group(0)), line)
            for hit in terms.find(plain):
                yield ctx.report_at(n, hit.start + 1, _message(hit.term, hit.why),
                                    hint=_hint(ctx.kind))
        return
    for key, text in _texts(ctx):
        for hit in terms.find(text):
            line, col = ctx.find_in_value(key, hit.term)
            yield ctx.report_at(line, col, _message(hit.term, hit.why), hint=_hint(ctx.kind))
