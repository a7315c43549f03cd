"""S000 yaml-syntax: the file is not well-formed YAML.

What it does
  Reports a YAML syntax error (bad indentation, an unclosed bracket or quote, a tab …)
  or a value YAML cannot build (a date that does not exist, an alias bomb) at the line
  and column where the parser stopped.

Why it matters
  Nothing else in the file can be checked, and `sidomain plan` refuses it.

Failing example
  tasks:
    - {id: welcome, days: [1], time: "10:00"
  # the flow mapping is never closed

Passing example
  tasks:
    - {id: welcome, days: [1], time: "10:00"}
"""

CODE = "S000"
NAME = "yaml-syntax"
SEVERITY = "error"
KINDS = ()  # reported by the core when parsing fails
SUMMARY = "The file is not well-formed YAML."


def check(ctx):
    return iter(())
