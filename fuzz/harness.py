"""What every fuzz target shares: the sandbox, the verdict it asserts, and atheris' main.

A target module imports this inside ``atheris.instrument_imports()`` (so that the assetcheck
modules imported here are instrumented too), defines ``examine(data)`` (what the code under
test said of the bytes), sets ``test_one_input = harness.twice(examine)``, and calls
``harness.main(test_one_input)``. The properties asserted for any bytes:

- a verdict: only findings whose codes are registered rules, each with a message, and no
  internal errors (a rule that crashed);
- no exception escapes (the caller says which error types are a documented verdict);
- nothing is written outside the sandbox, a private temporary folder (an audit hook sees every
  open for writing, rename, removal and folder made), and nothing is left in it;
- the same bytes give the same result a second time (``twice`` compares the two).

Time and memory bounds are libFuzzer's (``-timeout``, ``-rss_limit_mb``, set by ``run.py``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from assetcheck.engine import Checker  # noqa: E402
from assetcheck.findings import Finding  # noqa: E402
from assetcheck.report.json_report import finding_to_dict  # noqa: E402
from assetcheck.settings import Settings  # noqa: E402
from tests.catalogue import RULES  # noqa: E402

CODES = frozenset(rule.code for rule in RULES)
SETTINGS = Settings()

# ---- the sandbox ------------------------------------------------------------------------------

SANDBOX = Path(tempfile.mkdtemp(prefix="assetcheck-fuzz-")).resolve()
atexit.register(shutil.rmtree, SANDBOX, ignore_errors=True)
# Every temporary file the code under test makes (spooled bundles) goes in the sandbox.
tempfile.tempdir = str(SANDBOX)
INPUTS = SANDBOX / "in"  # where targets write the bytes they check
INPUTS.mkdir()

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {
    "os.remove": 0,
    "os.rename": 0,
    "os.mkdir": 0,
    "os.rmdir": 0,
    "os.truncate": 0,
    "os.symlink": 1,
    "os.link": 1,
    "os.chmod": 0,
    "os.utime": 0,
    "shutil.rmtree": 0,
    "shutil.copyfile": 1,
    "shutil.move": 1,
}
_ALLOWED = (str(SANDBOX), os.devnull)
violations: list[str] = []


def _outside(path: object) -> bool:
    if isinstance(path, int) or path is None:
        return False  # a file descriptor already opened
    try:
        absolute = os.path.abspath(os.fsdecode(path))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not any(absolute == root or absolute.startswith(root + os.sep) for root in _ALLOWED)


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open":
        path, mode, flags = (*args, None, None)[:3]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writes and _outside(path):
            violations.append(f"open({path!r}, {mode!r}, {flags!r})")
    elif event in _PATH_EVENTS:
        path = args[_PATH_EVENTS[event]] if len(args) > _PATH_EVENTS[event] else None
        if _outside(path):
            violations.append(f"{event}{args!r}")


sys.addaudithook(_audit)


def check_sandbox(keep: Iterable[Path] = ()) -> None:
    """Nothing was written outside the sandbox, and nothing but ``keep`` is left in it."""
    assert not violations, f"wrote outside the sandbox: {violations}"
    left = {path for path in SANDBOX.rglob("*") if path.is_file()} - set(keep)
    assert not left, f"left behind in the sandbox: {sorted(map(str, left))}"


def write_input(name: str, data: bytes) -> Path:
    path = INPUTS / name
    path.write_bytes(data)
    return path


def clear_inputs() -> None:
    for path in INPUTS.iterdir():
        path.unlink()


# ---- the verdict ------------------------------------------------------------------------------


def assert_findings(findings: Iterable[Finding]) -> None:
    for finding in findings:
        assert finding.code in CODES, f"unregistered code {finding.code}: {finding}"
        assert finding.message.strip(), f"empty message: {finding}"
        rule = RULES.get(finding.code)
        assert rule is not None and finding.integrity == rule.integrity, finding


def verdict(checker: Checker) -> list[dict[str, object]]:
    """The findings of the rules ``checker`` ran, as JSON values; the verdict, asserted."""
    assert checker.internal_errors == [], checker.internal_errors
    findings = checker.finish()
    assert_findings(findings)
    return [finding_to_dict(f) for f in findings]


def run_rules(views: Iterable[object], settings: Settings = SETTINGS) -> list[dict[str, object]]:
    """The shipped rules on ``views``, as the engine runs them; the verdict, asserted."""
    checker = Checker(settings, RULES)
    for view in views:
        checker.run(view)  # type: ignore[arg-type]
    return verdict(checker)


# ---- atheris --------------------------------------------------------------------------------


def twice(examine: Callable[[bytes], object]) -> Callable[[bytes], None]:
    """A target's test of one input: ``examine`` gives the same result a second time, and
    the sandbox is left as it was."""

    def test_one_input(data: bytes) -> None:
        first = examine(data)
        assert examine(data) == first, "the same bytes gave another result"
        check_sandbox()

    return test_one_input


def main(test_one_input: Callable[[bytes], None]) -> None:
    """atheris' entry point. libFuzzer writes its corpus and crash files itself (in C, not
    seen by the audit hook), where the command line says (``run.py`` chooses)."""
    import atheris

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
    sys.exit(0)
