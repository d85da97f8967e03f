"""File rules (FILE): a file, or an image of a source tree, that could not be read from disk or
changed while it was being checked. Nothing else said about such a file can be trusted, so
these findings can never be switched off.
"""

from __future__ import annotations

from collections.abc import Iterator

from assetcheck.api import ERROR, FileProblem, Problem, rule


@rule("FILE001", ERROR, FileProblem, integrity=True)
def unreadable(problem: FileProblem) -> Iterator[Problem]:
    """The file, or an image of a source tree, cannot be read (permission denied, I/O error).

    Passing: files the user running assetcheck can read.
    Failing: ``images/logo.png`` with mode 000, checked by a user other than root.
    """
    if problem.kind == "unreadable":
        yield Problem(
            f"cannot be read: {problem.detail}, so it was not checked",
            entry=problem.entry,
            hint="Make it readable (e.g. `chmod a+r FILE`) by the user running assetcheck.",
        )


@rule("FILE002", ERROR, FileProblem, integrity=True)
def changed_while_checked(problem: FileProblem) -> Iterator[Problem]:
    """The file changed while it was being checked, so the verdict is about bytes that are gone.

    Passing: a file nothing writes to during the check.
    Failing: a jar that the build rewrites while assetcheck reads it.
    """
    if problem.kind == "changed":
        yield Problem(
            f"changed while it was being checked ({problem.detail})",
            entry=problem.entry,
            hint="Check it again once nothing writes to it (after the build step finishes).",
        )
