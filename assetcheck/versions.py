"""Plugin version strings: UPM's ordering, and the SDK's Maven-to-OSGi version mapping.

UPM orders versions component by component, numbers numerically and words alphabetically:
``0.99 < 1.0 < 1.0.1-alpha < 1.0.1-beta < 1.0.1-beta2 < 1.0.1 < 1.0.1.0 < 1.1 < 1.2 < 1.10 < 2.0``.
Components are separated by '.' or '-'. Inside a component, runs of digits and of other
characters are compared in turn (so ``beta2 < beta10``), words case-insensitively.

What happens when one version runs out first follows from that published list: a further
*word* makes a version smaller (``1.0.1-alpha < 1.0.1``: a pre-release), a further *number*
makes it larger (``1.0.1 < 1.0.1.0``). The same rule applies inside a component
(``beta < beta2``, ``6a < 6``). Every run is encoded so that plain tuple comparison gives
this order, which makes it a total order usable as a sort key.
"""

from __future__ import annotations

import re
from typing import Any

_SEPARATORS = re.compile(r"[.-]")
_RUNS = re.compile(r"[0-9]+|[^0-9]+", re.ASCII)

# Ranks of one run: a word sorts below "nothing more", a number above it.
_WORD, _END, _NUMBER = 0, 1, 2
_END_RUN = (_END,)
_END_COMPONENT = (_END_RUN,)

SortKey = tuple[Any, ...]


def _component_key(component: str) -> SortKey:
    runs: list[tuple[Any, ...]] = []
    for run in _RUNS.findall(component):
        # A run is all ASCII digits or has none (str.isdigit would also accept '²').
        if "0" <= run[0] <= "9":
            # Numbers compare by value: by length once leading zeros are gone, then digit by
            # digit. Never int(): quadratic in the length, and refused over 4,300 digits.
            digits = run.lstrip("0")
            runs.append((_NUMBER, len(digits), digits))
        else:
            runs.append((_WORD, run.lower()))
    return (*runs, _END_RUN)


def sort_key(version: str) -> SortKey:
    """A key with ``sort_key(a) < sort_key(b)`` exactly when UPM orders ``a`` before ``b``."""
    components = [c for c in _SEPARATORS.split(version.strip()) if c]
    return (*(_component_key(c) for c in components), _END_COMPONENT)


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with, or after ``b`` in UPM's order."""
    key_a, key_b = sort_key(a), sort_key(b)
    return (key_a > key_b) - (key_a < key_b)


# maven-bundle-plugin's DefaultMaven2OsgiConverter.cleanupVersion, which the Atlassian SDK
# (AMPS) uses to turn ${project.version} into Bundle-Version.
_FUZZY_VERSION = re.compile(r"([0-9]+)(\.([0-9]+)(\.([0-9]+))?)?([^a-zA-Z0-9](.*))?", re.DOTALL)
_NOT_QUALIFIER_CHAR = re.compile(r"[^0-9A-Za-z_-]")


def maven_to_osgi(version: str) -> str:
    """The OSGi version the SDK writes for a Maven version.

    ``1.0.0-SNAPSHOT`` -> ``1.0.0.SNAPSHOT``, ``1.2`` -> ``1.2.0``, ``2.0.1-beta-3`` ->
    ``2.0.1.beta-3``, ``1.0-beta`` -> ``1.0.0.beta``; anything else becomes a qualifier of
    ``0.0.0`` with characters OSGi does not allow replaced by '_'. An empty qualifier is
    dropped (``1.0.0-`` -> ``1.0.0``), as newer Felix releases of the same code do.
    """
    match = _FUZZY_VERSION.fullmatch(version)
    if match is None:
        cleaned = _NOT_QUALIFIER_CHAR.sub("_", version)
        return f"0.0.0.{cleaned}" if cleaned else "0.0.0"
    major, minor, micro, qualifier = match.group(1, 3, 5, 7)
    base = f"{major}.{minor or 0}.{micro or 0}"
    if qualifier:
        return f"{base}.{_NOT_QUALIFIER_CHAR.sub('_', qualifier)}"
    return base
