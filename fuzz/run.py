"""Run the atheris fuzz targets: one long campaign, or the bounded pass CI runs.

    python fuzz/run.py TARGET [-- LIBFUZZER_ARGS...]   # a campaign on one target
    python fuzz/run.py --bounded [--workers N]        # every target, fixed runs, -seed=1
    python fuzz/run.py --list                         # the targets and their bounds

A campaign reads the committed seeds (``fuzz/corpus/TARGET/``, never written) and keeps what it
finds in ``fuzz/work/TARGET/corpus/``; crash, timeout and out-of-memory inputs go to
``fuzz/crashes/TARGET/`` (both folders are ignored by git). It runs until stopped, or as the
arguments after ``--`` say: ``-runs=1000000``, ``-max_total_time=3600``, ``-jobs=2 -workers=2``
(each job's log is ``fuzz/work/TARGET/fuzz-N.log``). Reproduce a crash with
``python fuzz/run.py TARGET -- fuzz/crashes/TARGET/crash-...``.

The bounded pass runs each target for a fixed number of executions with ``-seed=1`` from its
committed seeds, two targets at a time (about two minutes on two cores), in temporary folders,
and exits 1 when any target crashed, timed out or ran out of memory (its input is kept in
``fuzz/crashes/TARGET/``). It uses neither the network nor anything outside this repository.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent


@dataclass(frozen=True)
class Target:
    name: str
    timeout: int  # seconds per input (libFuzzer -timeout)
    rss_limit_mb: int  # libFuzzer -rss_limit_mb
    max_len: int  # the largest input libFuzzer makes
    bounded_runs: int  # executions in the bounded pass (seed inputs included)
    what: str

    @property
    def script(self) -> Path:
        return FUZZ / f"fuzz_{self.name}.py"

    @property
    def corpus(self) -> Path:
        return FUZZ / "corpus" / self.name

    @property
    def crashes(self) -> Path:
        return FUZZ / "crashes" / self.name


# Artifacts: 10 s and 300 MB per input; images: 2 s and 200 MB. Text parsers get the image
# bounds (they are far cheaper than either). Bounded runs are sized to take 25-35 s each.
TARGETS = {
    t.name: t
    for t in (
        Target("zip", 10, 300, 65536, 4000, "zip reader, every entry verified, nested archives"),
        Target("manifest", 2, 200, 16384, 2500, "JAR manifest parser and OSGi header grammar"),
        Target("xml", 2, 200, 16384, 4000, "XML loader, descriptor/marketing views, obr.xml"),
        Target("image", 2, 200, 65536, 5000, "image prober and walkers, image rules"),
        Target("versions", 2, 200, 1024, 6000, "UPM version order, Maven-to-OSGi, OSGi versions"),
        Target("config", 2, 200, 8192, 15000, "configuration loader (ConfigError is a verdict)"),
        Target("check", 10, 300, 65536, 1000, "the whole check of a file, as the CLI runs it"),
    )
}


def command(target: Target, work: Path, extra: list[str]) -> list[str]:
    target.crashes.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable,
        str(target.script),
        str(work),
        str(target.corpus),
        f"-timeout={target.timeout}",
        f"-rss_limit_mb={target.rss_limit_mb}",
        f"-max_len={target.max_len}",
        f"-artifact_prefix={target.crashes}{os.sep}",
        "-print_final_stats=1",
        *extra,
    ]


def campaign(target: Target, extra: list[str]) -> int:
    work = FUZZ / "work" / target.name
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    # Inputs named relative to where the command was typed: the run's folder is another.
    replay = [os.path.abspath(arg) for arg in extra if not arg.startswith("-")]
    if replay:
        # Inputs to run once (a crash to reproduce): libFuzzer runs files given instead of
        # corpus folders, so hand it only those.
        args = [sys.executable, str(target.script), *replay]
        args += [a for a in extra if a.startswith("-")]
        return subprocess.call(args, cwd=work)
    return subprocess.call(command(target, corpus, extra), cwd=work)


_DONE = re.compile(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+)")
_EXEC = re.compile(r"stat::number_of_executed_units: (\d+)")


def bounded_one(target: Target) -> tuple[Target, int, str, float]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target.name}-") as folder:
        work = Path(folder)
        (work / "corpus").mkdir()
        args = command(target, work / "corpus", [f"-runs={target.bounded_runs}", "-seed=1"])
        done = subprocess.run(args, cwd=work, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    log = done.stdout + done.stderr
    found = _DONE.search(log)
    executed = _EXEC.search(log)
    if done.returncode == 0 and found:
        runs = int(executed.group(1)) if executed else int(found.group(1))
        summary = (
            f"{runs:>7,} runs  cov {found.group(2):>5}  ft {found.group(3):>6}  "
            f"{runs / max(elapsed, 1e-9):>7,.0f} exec/s  {elapsed:5.1f} s"
        )
        return target, 0, summary, elapsed
    tail = "\n".join(log.strip().splitlines()[-40:])
    return target, done.returncode or 1, f"FAILED (exit {done.returncode}):\n{tail}", elapsed


def bounded(names: list[str], workers: int) -> int:
    failed = 0
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for target, status, summary, _ in pool.map(bounded_one, [TARGETS[n] for n in names]):
            print(f"{target.name:9} {summary}", flush=True)
            failed += status != 0
    print(
        f"bounded pass: {len(names) - failed}/{len(names)} targets clean in "
        f"{time.monotonic() - started:.0f} s"
    )
    if failed:
        print(f"crash inputs are in {FUZZ / 'crashes'}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", choices=sorted(TARGETS))
    parser.add_argument("--bounded", action="store_true", help="the bounded pass (CI)")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(TARGETS),
        default=[],
        help="with --bounded: only these targets (repeatable)",
    )
    parser.add_argument("--workers", type=int, default=2, help="targets run at once (--bounded)")
    parser.add_argument("--list", action="store_true", help="list the targets")
    args = parser.parse_args(argv)
    if args.list:
        for t in TARGETS.values():
            print(f"{t.name:9} {t.timeout:>2} s {t.rss_limit_mb} MB  {t.what}")
        return 0
    if args.bounded:
        return bounded(args.only or list(TARGETS), max(1, args.workers))
    if args.target is None:
        parser.error("name a TARGET, or give --bounded or --list")
    return campaign(TARGETS[args.target], extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
