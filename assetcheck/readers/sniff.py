"""What a run of bytes really is, by its magic numbers (libmagic), never by its name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sniffed:
    mime: str
    description: str


def sniff(head: bytes) -> Sniffed:
    """libmagic's verdict on the first bytes of a file. Never raises."""
    import magic  # lazy: loading the magic database costs start-up time

    try:
        return Sniffed(magic.from_buffer(head, mime=True), magic.from_buffer(head))
    except Exception as error:  # libmagic reports its own failures as generic exceptions
        return Sniffed("application/octet-stream", f"unknown ({error})")
