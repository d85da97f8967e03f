"""What a report prints of names it did not choose: entry names and paths come from the file
checked, so a hostile jar could otherwise write terminal escape sequences (colour, cursor moves,
a forged "ok" line), reorder a line with bidirectional controls, or hide a character, in whoever
reads the report.
"""

from __future__ import annotations

import re

from assetcheck.characters import BIDI, CONTROL, INVISIBLE

# Controls and line separators, the bidirectional formatting characters, the invisible ones.
_UNSAFE = re.compile(f"[{CONTROL}{BIDI}{INVISIBLE}]")


def controls_escaped(text: str) -> str:
    """``text`` with each of those characters escaped: ``\\xNN``, ``\\uNNNN``, ``\\UNNNNNNNN``."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
