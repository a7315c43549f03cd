"""B003 unknown-playbook: the profile names a playbook that does not exist.

What it does
  Checks the profile's `playbook:` against the built-in playbooks (community_promotion,
  tiered, one_on_one, online_counter) and, for a path, that the file exists relative to
  the profile's folder and stays inside it — the rule `sidomain plan` follows.

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
    from sidomain_cli.playbook import profile_playbook

    name = ctx.data.get("playbook")
    if not isinstance(name, str) or not name.strip():
        return
    path, message, hint = profile_playbook(name, ctx.path)  # plan's own rule
    if path is None:
        yield ctx.report(("playbook",), message, value=True, hint=hint)
