"""Text quoted from a user's file, made safe to show.

- :func:`one_line`, for messages: line breaks, control characters and bidi controls are
  written as escapes (``\\n``, ``\\x1b``), so a finding stays one line and nothing
  reaches a terminal raw.
- :func:`plain`, for documents (Markdown, the terminal report, ICS): CR, CRLF, U+2028 and
  U+2029 become ``\\n``; other control characters and bidi overrides become U+FFFD.
"""

from __future__ import annotations

import re

_BIDI = "\u202a-\u202e\u2066-\u2069"  # embeddings, overrides, isolates
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029{_BIDI}]")
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")  # keeps tab and \n
# CR, CRLF and the Unicode line and paragraph separators (U+2028 split an earlier ICS
# export's lines for str.splitlines: 246 events read as one forged UID) become "\n"
_NEWLINE = re.compile("\r\n|[\r\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with line breaks and control characters written as escapes (``\\n``)."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def plain(text: str) -> str:
    """``text`` with ``\\n`` line breaks and no other control or bidi override character."""
    if text.isprintable():  # the common case, at C speed
        return text
    return _CONTROL.sub("\ufffd", _NEWLINE.sub("\n", text))
