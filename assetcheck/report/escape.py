"""What a report prints of names it did not choose: entry names and paths come from the file
checked, so a hostile jar could otherwise write terminal escape sequences (colour, cursor moves,
a forged "ok" line) or reorder a line with bidirectional controls in whoever reads the report.
"""

from __future__ import annotations

import re

# C0 and C1 controls (line breaks included), DEL, and the bidirectional formatting characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def controls_escaped(text: str) -> str:
    """``text`` with each control character as a ``\\xNN`` (or ``\\uNNNN``) escape."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
