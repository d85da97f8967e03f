"""Server text made safe to show: secrets taken out, terminal control taken away.

A server (or anything between it and us) can echo what it was sent. Before any of its text
reaches a message, the API token, the base64 of ``user:token`` (an echoed Authorization
header) and any run of 8 or more characters copied from either are replaced by ``***``;
ANSI escape sequences and control characters are removed, so the text cannot move the cursor,
recolour a CI log or hide lines.
"""

from __future__ import annotations

import base64
import re
import unicodedata

FRAGMENT = 8  # the shortest run of a secret that is redacted on its own
MASK = "***"
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)


class Redactor:
    """Removes the secrets of one set of credentials from text."""

    def __init__(self, user: str | None, token: str | None) -> None:
        secrets = []
        if token:
            secrets.append(token)
            pair = f"{user or ''}:{token}".encode()
            secrets.append(base64.b64encode(pair).decode("ascii"))
        self._whole = sorted(secrets, key=len, reverse=True)
        self._grams = {
            secret[i : i + FRAGMENT]
            for secret in secrets
            for i in range(len(secret) - FRAGMENT + 1)
        }

    def __repr__(self) -> str:
        return "Redactor(***)"

    def __call__(self, text: str) -> str:
        for secret in self._whole:
            text = text.replace(secret, MASK)
        if not self._grams or len(text) < FRAGMENT:
            return text
        # A run of 8+ characters copied from a secret is a chain of its 8-grams: mask their union.
        covered = [False] * len(text)
        for start in range(len(text) - FRAGMENT + 1):
            if text[start : start + FRAGMENT] in self._grams:
                covered[start : start + FRAGMENT] = [True] * FRAGMENT
        if not any(covered):
            return text
        out: list[str] = []
        for index, char in enumerate(text):
            if not covered[index]:
                out.append(char)
            elif index == 0 or not covered[index - 1]:
                out.append(MASK)
        return "".join(out)


def clean_text(text: str) -> str:
    """``text`` on one line, without ANSI escapes, control or invisible formatting characters."""
    text = _ANSI.sub("", text)
    kept = (
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join("".join(kept).split())


def server_text(text: str, redact: Redactor, limit: int = 300) -> str:
    """Text that came from the server, as a message may show it: clean, short and redacted."""
    return redact(clean_text(text)[:limit])
