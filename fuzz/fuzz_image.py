"""Fuzz target ``image``: the image prober, each format's structure walker, the image rules.

``probe_image`` on the bytes, without decoding, under the name of another upload format
picked by the bytes (``.png .jpg .gif .webp .bmp``: the name decides only what the extension
claims, and whether the signature fast path skips libmagic); then an ``ImageView`` of them
under the name their content suggests (it decodes), checked by the image rules as every image
type at once, and one under the other name, checked type-independently. Asserted:
a verdict, facts that agree with the bytes, twice the same.
"""

from __future__ import annotations

import contextlib
import zlib

try:
    import atheris
except ImportError:  # replaying an input without atheris: nothing is instrumented
    atheris = None

with atheris.instrument_imports(include=["assetcheck"]) if atheris else contextlib.nullcontext():
    import harness

    from assetcheck.readers.image import ImageFacts, probe_image
    from assetcheck.views import DecodeBudget, ImageView

LIMITS = harness.SETTINGS.limits
NAMES = ("image.png", "image.jpg", "image.gif", "image.webp", "image.bmp")
SIGNATURES = ((b"\x89PNG", 0), (b"\xff\xd8", 1), (b"GIF8", 2), (b"RIFF", 3), (b"BM", 4))
TYPES = tuple(harness.SETTINGS.image_types.values())


def names_for(data: bytes) -> tuple[str, str]:
    """The name the content suggests, and another, picked by the bytes (deterministic)."""
    own = next((i for signature, i in SIGNATURES if data.startswith(signature)), 0)
    other = (own + 1 + zlib.crc32(data) % (len(NAMES) - 1)) % len(NAMES)
    return NAMES[own], NAMES[other]


def _facts(facts: ImageFacts | None, data: bytes) -> object:
    if facts is None:
        return None
    assert isinstance(facts, ImageFacts)
    assert facts.size == len(data), facts
    assert 0 <= facts.trailing_bytes <= len(data), facts
    assert facts.frames >= 0, facts
    if facts.width is not None:
        assert facts.width >= 0 and (facts.height or 0) >= 0, facts
    return repr(facts)


def examine(data: bytes) -> list[object]:
    own, other = names_for(data)
    # The decoding probe under the content's name is the first view's (``view.facts``).
    said: list[object] = [
        _facts(probe_image(data, other, max_pixels=LIMITS.max_image_pixels, decode=False), data),
    ]
    for name, types in ((own, TYPES), (other, ())):
        view = ImageView(
            name=name,
            size=len(data),
            load=lambda: data,
            types=types,
            limits=LIMITS,
            entry=f"images/{name}",
            expects_type=bool(types),
            budget=DecodeBudget(LIMITS.max_decoded_pixels),
        )
        said.append(harness.run_rules([view]))
        said.append(_facts(view.facts, data))
    return said


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
