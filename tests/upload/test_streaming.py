"""A 200 MB artifact is streamed from disk: the uploading process's peak memory stays small."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.upload.marketplace_server import TOKEN, USER, StandInMarketplace

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
    assert measured["ticks"] == SIZE // (64 * 1024)
    stored = next(iter(marketplace.assets.values()))
    assert (stored.size, stored.sha256) == (SIZE, measured["sha256"])
