"""Deadlines, Retry-After, and what the attempts of an upload did (attempts, answer_lost)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assetcheck.client import (
    ConnectionFailed,
    DeadlineExceeded,
    MarketplaceClient,
    RateLimited,
    RequestTimeout,
)
from assetcheck.client.retry import parse_retry_after
from tests.upload.marketplace_server import Fault, StandInMarketplace

MakeClient = Callable[..., MarketplaceClient]
NOW = 1_700_000_000.0


def test_a_slow_drip_server_ends_at_the_total_deadline(
    make_client: MakeClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    # One byte a second: no read ever waits long enough for the 5 s read timeout.
    client = make_client(deadline=2.5, read_timeout=5.0, max_attempts=3)
    marketplace.fail_next(Fault.drip(1.0))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"deadline of 2\.5 s") as caught:
        client.upload_artifact(jar_file)
    took = time.monotonic() - started
    assert 2.4 <= took < 3.5, took
    assert "--deadline" in str(caught.value)
    # The body went whole, the answer never finished: the server may hold the file.
    assert caught.value.answer_lost and caught.value.attempts == 1
    assert marketplace.count("POST", "/assets/artifact") == 1


def test_the_deadline_also_bounds_the_waits_between_attempts(
    make_client: MakeClient, marketplace: StandInMarketplace, sleeps: list[float]
) -> None:
    client = make_client(deadline=10.0, retry_after_cap=60.0)
    marketplace.fail_next(Fault.error(503, retry_after="30"))
    with pytest.raises(DeadlineExceeded, match="would pass its deadline"):
        client.links()
    assert sleeps == [] and marketplace.count() == 1


@pytest.mark.parametrize("header", ["²", "٣", "1.5", "-1", "soon", "", "Mon, 99 Foo"])
def test_an_unusable_retry_after_gives_a_normal_retry(
    client: MarketplaceClient, marketplace: StandInMarketplace, sleeps: list[float], header: str
) -> None:
    marketplace.fail_next(Fault.error(503, retry_after=header))
    assert client.links().artifact  # retried and answered, not a crash
    assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 1.0  # the backoff of attempt 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        (email.utils.formatdate(NOW + 42, usegmt=True), 42.0),
        (email.utils.formatdate(NOW - 42, usegmt=True), 0.0),
        ("9" * 40, float("inf")),
        ("²", None),
        ("1e3", None),
        (None, None),
    ],
)
def test_retry_after_is_ascii_digits_or_an_http_date(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_a_long_retry_after_is_capped_and_said(
    make_client: MakeClient, marketplace: StandInMarketplace, sleeps: list[float], jar_file: Path
) -> None:
    client = make_client(retry_after_cap=60.0)
    marketplace.fail_next(Fault.error(429, retry_after="3600"))
    result = client.upload_artifact(jar_file)
    assert sleeps == [60.0]
    assert result.attempts == 2 and not result.answer_lost
    assert any("asked to wait 60 min" in w and "waited 60 s" in w for w in result.warnings)


def test_a_capped_retry_after_is_said_in_the_final_error(
    make_client: MakeClient, marketplace: StandInMarketplace
) -> None:
    client = make_client(retry_after_cap=5.0, max_attempts=2)
    marketplace.fail_next(*[Fault.error(429, retry_after="999")] * 2)
    with pytest.raises(RateLimited, match=r"asked to wait 16\.65 min") as caught:
        client.links()
    assert caught.value.attempts == 2


def test_a_lost_answer_is_retried_and_reported(
    make_client: MakeClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    # The whole body arrives, then the connection is reset instead of answered.
    marketplace.fail_next(Fault.reset(after_bytes=10**9))
    result = make_client().upload_artifact(jar_file)
    assert (result.attempts, result.answer_lost) == (2, True)
    assert marketplace.count("POST", "/assets/artifact") == 2


def test_a_body_cut_short_is_no_lost_answer(
    client: MarketplaceClient, marketplace: StandInMarketplace, make_jar: Callable[..., Path]
) -> None:
    marketplace.fail_next(Fault.reset(after_bytes=64 * 1024))
    # Larger than what the kernel buffers on loopback, so the client sees the cut.
    result = client.upload_artifact(make_jar("big.jar", padding=16 * 1024 * 1024))
    assert (result.attempts, result.answer_lost) == (2, False)
    assert len(marketplace.assets) == 1  # the cut body was discarded


def test_a_slow_answer_after_the_whole_body_is_a_lost_answer(
    make_client: MakeClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    marketplace.fail_next(Fault.slow(1.0))
    result = make_client(read_timeout=0.2).upload_artifact(jar_file)
    assert (result.attempts, result.answer_lost) == (2, True)


def test_the_final_error_carries_attempts_and_answer_lost(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    marketplace.fail_next(*[Fault.reset(after_bytes=10**9)] * 4)
    with pytest.raises(ConnectionFailed) as caught:
        client.upload_artifact(jar_file)
    assert (caught.value.attempts, caught.value.answer_lost) == (4, True)
    assert "may hold an unused copy" in str(caught.value)
    assert not isinstance(caught.value, RequestTimeout)


def test_nothing_sent_is_zero_attempts(sleeps: list[float], jar_file: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = MarketplaceClient(f"http://127.0.0.1:{port}/rest/2", sleep=sleeps.append)
    with pytest.raises(ConnectionFailed) as caught:
        client.upload_artifact(jar_file)
    assert (caught.value.attempts, caught.value.answer_lost) == (0, False)


def test_the_deadline_option_reaches_the_client(
    marketplace: StandInMarketplace, capsys: pytest.CaptureFixture[str]
) -> None:
    from assetcheck.cli import main

    marketplace.fail_next(Fault.drip(1.0))
    started = time.monotonic()
    code = main(["assets", "links", "--base-url", marketplace.base_url, "--deadline", "2"])
    assert code == 4
    assert time.monotonic() - started < 3.5
    assert "within its deadline of 2 s" in capsys.readouterr().err
