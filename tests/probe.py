"""Run one check in a fresh interpreter and measure it: codes, seconds and peak memory.

A fresh process makes the peak its own (VmHWM; ru_maxrss would carry the forking pytest
parent's footprint), and the time includes loading libmagic, lxml and Pillow. ``seconds`` is
the lesser of wall time and CPU time (the process's and its reaped children's): a loaded
machine inflates wall time and not CPU time, and a check on two cores (a child verifying ahead)
spends more CPU time than wall time; each alone would blame the check for what it did not do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

_PROBE = """
import json, resource, sys, time
from pathlib import Path
from tests.catalogue import check_paths
from assetcheck.settings import Settings

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

def cpu():
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )

start, start_cpu = time.perf_counter(), cpu()
report = check_paths([Path(sys.argv[1])], Settings(image_type=sys.argv[2] or None))
elapsed, elapsed_cpu = time.perf_counter() - start, cpu() - start_cpu
print(json.dumps({
    "codes": sorted({f.code for f in report.files[0].findings}),
    "internal": report.internal_errors,
    "seconds": min(elapsed, elapsed_cpu),
    "cpu": elapsed_cpu,
    "wall": elapsed,
    "peak_mb": peak_mb(),
}))
"""


def unprivileged() -> list[str]:
    """A command prefix that runs as this user without root's powers (mode 000 then holds).

    Root reads any file through CAP_DAC_OVERRIDE; setpriv (util-linux) drops the capabilities
    while keeping the user, so the interpreter under /root stays reachable.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to test unreadable files as root"
    return [setpriv, "--inh-caps=-all", "--bounding-set=-all"]


def measured_check(
    path: Path, image_type: str | None = None, *, unprivileged_run: bool = False
) -> dict[str, Any]:
    """The verdict on ``path``; asserts the run ended cleanly, without a traceback."""
    prefix = unprivileged() if unprivileged_run else []
    result = subprocess.run(
        [*prefix, sys.executable, "-c", _PROBE, str(path), image_type or ""],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    verdict: dict[str, Any] = json.loads(result.stdout)
    assert not verdict["internal"], verdict
    return verdict
