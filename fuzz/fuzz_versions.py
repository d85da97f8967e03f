"""Fuzz target ``versions``: UPM's version order, the Maven-to-OSGi mapping, OSGi versions.

The bytes, as UTF-8 text, are split into lines (at most 4), each a version. Asserted:
``compare`` is a total order on them (reflexive, antisymmetric, transitive, and the order of
``sort_key``); ``maven_to_osgi`` gives a valid OSGi version unless a number is too large for
one; an OSGi version or range that parses prints as text that parses to it again.
"""

from __future__ import annotations

import contextlib
import itertools

try:
    import atheris
except ImportError:  # replaying an input without atheris: nothing is instrumented
    atheris = None

with atheris.instrument_imports(include=["assetcheck"]) if atheris else contextlib.nullcontext():
    import harness

    from assetcheck import osgi, versions

MAX_VERSIONS = 4


def _osgi(text: str) -> object:
    version = osgi.parse_version(text)
    if isinstance(version, osgi.Version):
        again = osgi.parse_version(str(version))
        assert again == version, (text, version, again)
        assert version.major >= 0 and version.minor >= 0 and version.micro >= 0, version
    else:
        assert 0 <= version.position <= len(text), (text, version)
    found = osgi.parse_range(text)
    if isinstance(found, osgi.VersionRange):
        again_range = osgi.parse_range(str(found))
        assert again_range == found, (text, found, again_range)
        found.is_empty  # noqa: B018 - it must answer
    else:
        assert 0 <= found.position <= len(text), (text, found)
    return (repr(version), repr(found))


def examine(data: bytes) -> list[object]:
    texts = data.decode("utf-8", "replace").split("\n")[:MAX_VERSIONS]
    said: list[object] = []
    for text in texts:
        assert versions.compare(text, text) == 0, text
        mapped = versions.maven_to_osgi(text)
        parsed = osgi.parse_version(mapped)
        if isinstance(parsed, osgi.GrammarError):
            assert "larger than" in parsed.message, (text, mapped, parsed)
        said.append((mapped, _osgi(text), _osgi(mapped)))
    keys = [versions.sort_key(text) for text in texts]
    for (a, key_a), (b, key_b) in itertools.combinations_with_replacement(
        zip(texts, keys, strict=True), 2
    ):
        ab, ba = versions.compare(a, b), versions.compare(b, a)
        assert ab in (-1, 0, 1) and ab == -ba, (a, b, ab, ba)
        assert ab == (key_a > key_b) - (key_a < key_b), (a, b)
    for a, b, c in itertools.product(keys, repeat=3):
        if a <= b <= c:
            assert a <= c, (a, b, c)  # sort keys compare as tuples: a total order
    ordered = sorted(texts, key=versions.sort_key)
    said.append(ordered)
    return said


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
