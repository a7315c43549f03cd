"""``sidomain lint``: playbooks, profiles and message templates checked like code.

The core (:func:`lint_paths`) yields :class:`~sidomain_cli.errors.Problem` findings and
never prints or exits; rules live one per module in :mod:`sidomain_cli.lint.rules`,
output formats in :mod:`sidomain_cli.lint.formats`.
"""

from sidomain_cli.lint.core import LintOptions, LintResult, lint_paths

__all__ = ["LintOptions", "LintResult", "lint_paths"]
