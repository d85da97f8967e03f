"""The policy step: which rules run, and what may never be switched off.

``--select``/``--ignore`` (and, later, project configuration) decide which rules run; the
integrity rules, which say that a file or an entry could not be read or trusted, always run,
so that no option can turn an unread file into a pass.
"""

from __future__ import annotations

from collections.abc import Iterable


def _longest(code: str, prefixes: Iterable[str]) -> int:
    """Length of the longest prefix of ``code`` among ``prefixes``; -1 when none matches."""
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def is_selected(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], *, integrity: bool = False
) -> bool:
    """Whether the rule ``code`` runs: the longest matching prefix wins, ignore on a tie.

    ``--select ZIP010 --ignore ZIP`` runs ZIP010 and no other ZIP rule; ``--select ZIP
    --ignore ZIP01`` runs the ZIP rules but ZIP010-ZIP019. No selection means every rule.
    """
    if integrity:
        return True
    selected = _longest(code, select) if select else 0
    return selected >= 0 and selected > _longest(code, ignore)
