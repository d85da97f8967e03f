"""Properties over arbitrary input, asserted on the verdict, not only on "nothing raised"."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetcheck.settings import Settings
from tests.builders import make_jar
from tests.catalogue import RULES, check_paths

# No example database: it would write .hypothesis/ into the work tree on every run.
PROPERTY = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CODES = {rule.code for rule in RULES}
GOOD_JAR = make_jar()


def _verdict(data: bytes, name: str):  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        report = check_paths([path], Settings())
    assert report.internal_errors == []
    [result] = report.files
    for finding in result.findings:
        assert finding.code in CODES, finding
        assert finding.message.strip(), finding
        assert finding.integrity == RULES.get(finding.code).integrity  # type: ignore[union-attr]
    return result


@PROPERTY
@given(st.binary(max_size=2048))
def test_any_bytes_named_jar_get_a_verdict_and_never_pass_unread(data: bytes) -> None:
    result = _verdict(data, "app.jar")
    if not data.startswith(b"PK"):
        # Not a zip at all: something must say it could not be read, and it cannot pass.
        assert any(f.integrity for f in result.findings), result.findings
        assert not result.passes(Settings().fail_on)


@PROPERTY
@given(st.integers(min_value=0, max_value=len(GOOD_JAR) - 1), st.integers(0, 255))
def test_one_changed_byte_in_a_good_jar_is_noticed_or_harmless(position: int, value: int) -> None:
    data = bytearray(GOOD_JAR)
    data[position] = value
    result = _verdict(bytes(data), "app.jar")
    if bytes(data) == GOOD_JAR:
        assert result.findings == []


@PROPERTY
@given(st.integers(min_value=1, max_value=len(GOOD_JAR) - 1))
def test_a_truncated_jar_never_passes(length: int) -> None:
    result = _verdict(GOOD_JAR[:length], "app.jar")
    assert not result.passes(Settings().fail_on), result.findings
    assert any(f.integrity for f in result.findings)


@PROPERTY
@given(st.binary(max_size=512))
def test_the_same_bytes_give_the_same_report(data: bytes) -> None:
    first = _verdict(data, "app.jar").findings
    assert _verdict(data, "app.jar").findings == first
