"""A 200 MB artifact is streamed from disk: the uploading process's peak memory stays small.

A large body is hashed in a thread of its own; what it hashes is still exactly what is sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from assetcheck.client import CHUNK_SIZE, LocalFileError, MarketplaceClient
from assetcheck.client.bodies import THREADED_HASH_BYTES
from tests.upload.marketplace_server import TOKEN, USER, Fault, StandInMarketplace

SIZE = 200 * 1024 * 1024
LIMIT_KIB = 100 * 1024  # ru_maxrss is in KiB on Linux

UPLOAD_AND_MEASURE = textwrap.dedent(
    """
    import json, os, resource, sys
    from pathlib import Path
    from assetcheck.credentials import Credentials
    from assetcheck.client import MarketplaceClient

    def vm_hwm_kib():
        # Linux carries ru_maxrss across exec (the parent's footprint leaks in); VmHWM is
        # this program's own peak.
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return None

    user, token = os.environ["ASSETCHECK_USER"], os.environ["ASSETCHECK_TOKEN"]
    client = MarketplaceClient(sys.argv[1], Credentials(user, token, "environment"))
    ticks = []
    result = client.upload_artifact(Path(sys.argv[2]), lambda sent, total: ticks.append(sent))
    print(json.dumps({
        "size": result.asset.size,
        "sha256": result.sha256,
        "ticks": len(ticks),
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "hwm_kib": vm_hwm_kib(),
    }))
    """
)


def test_a_200_mb_upload_keeps_peak_memory_under_100_mb(
    marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    artifact = tmp_path / "huge-app-1.0.0.jar"
    with artifact.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(SIZE)  # sparse: costs no disk, reads back as zeros
    env = {**os.environ, "ASSETCHECK_USER": USER, "ASSETCHECK_TOKEN": TOKEN}

    done = subprocess.run(
        [sys.executable, "-c", UPLOAD_AND_MEASURE, marketplace.base_url, str(artifact)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    print(
        f"uploading process: ru_maxrss {measured['peak_kib'] / 1024:.1f} MiB, "
        f"VmHWM {(measured['hwm_kib'] or 0) / 1024:.1f} MiB"
    )
    assert measured["size"] == SIZE
    # VmHWM is the uploading process's own peak; ru_maxrss (printed above) may include the
    # forking pytest parent's footprint, so it is only the fallback where VmHWM is missing.
    assert (measured["hwm_kib"] or measured["peak_kib"]) < LIMIT_KIB
    assert measured["ticks"] == SIZE // CHUNK_SIZE
    stored = next(iter(marketplace.assets.values()))
    assert (stored.size, stored.sha256) == (SIZE, measured["sha256"])


# -- a large body is hashed in a thread of its own, while the previous chunk is sent -------------

BIG = THREADED_HASH_BYTES + 3 * CHUNK_SIZE + 12_345  # hashed in the thread; a partial last chunk


def _hash_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "assetcheck-sha256"]


def test_a_large_body_hashed_in_its_own_thread_is_the_file(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    artifact = tmp_path / "big-app-1.0.0.jar"
    artifact.write_bytes(random.Random(5).randbytes(BIG))
    expected = hashlib.sha256(artifact.read_bytes()).hexdigest()

    result = client.upload_artifact(artifact, expected_sha256=expected)

    assert result.sha256 == expected and result.asset.size == BIG
    stored = marketplace.assets[result.asset.asset_name]
    assert (stored.size, stored.sha256) == (BIG, expected)
    assert _hash_threads() == []


def test_a_large_file_changed_after_its_check_is_never_sent_whole(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    artifact = tmp_path / "big-app-1.0.0.jar"
    data = bytearray(random.Random(6).randbytes(BIG))
    checked = hashlib.sha256(data).hexdigest()
    data[BIG // 2] ^= 0xFF  # same size, one byte changed, in the middle of the file
    artifact.write_bytes(data)

    with pytest.raises(LocalFileError, match="changed after it was checked"):
        client.upload_artifact(artifact, expected_sha256=checked)

    assert marketplace.assets == {}  # the last chunk was held back: the body never completed
    assert marketplace.count("POST", "/assets/artifact") == 1
    assert _hash_threads() == []


def test_an_upload_cut_short_stops_its_hash_thread_and_retries_from_disk(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    artifact = tmp_path / "big-app-1.0.0.jar"
    artifact.write_bytes(random.Random(7).randbytes(4 * THREADED_HASH_BYTES))
    expected = hashlib.sha256(artifact.read_bytes()).hexdigest()
    marketplace.fail_next(Fault.reset(after_bytes=CHUNK_SIZE))

    result = client.upload_artifact(artifact, expected_sha256=expected)

    assert (result.attempts, result.answer_lost, result.sha256) == (2, False, expected)
    assert [a.sha256 for a in marketplace.assets.values()] == [expected]
    assert _hash_threads() == []
