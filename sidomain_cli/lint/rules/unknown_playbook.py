"""B003 unknown-playbook: the profile names a playbook that does not exist.

What it does
  Checks the profile's `playbook:` against the built-in playbooks (community_promotion,
  tiered, one_on_one, online_counter) and, for a path, that the file exists (relative to
  the current folder or to the profile's folder).

Why it matters
  `sidomain plan` stops on an unknown playbook; a typo here breaks every plan run.

Failing example
  playbook: teired

Passing example
  playbook: tiered
"""

CODE = "B003"
NAME = "unknown-playbook"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = "The profile names a playbook that is neither built-in nor an existing file."


def check(ctx):
    import difflib
    from pathlib import Path

    from sidomain_cli.resources import builtin_playbooks

    name = ctx.data.get("playbook")
    if not isinstance(name, str) or not name.strip():
        return
    builtins = builtin_playbooks()
    if name in builtins:
        return
    looks_like_path = name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name
    if looks_like_path:
        if Path(name).is_file() or (ctx.path.parent / name).is_file():
            return
        yield ctx.report(("playbook",), f"playbook file '{name}' not found", value=True,
                         hint="give a path relative to this profile or the folder you run from")
        return
    near = difflib.get_close_matches(name, list(builtins), n=1)
    hint = (f"did you mean '{near[0]}'? " if near else "") + "built-in: " + ", ".join(builtins)
    yield ctx.report(("playbook",), f"unknown playbook '{name}'", value=True, hint=hint)
