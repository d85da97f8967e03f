"""assetcheck's benchmark: its time and memory beside standard tools, on this machine, now.

    python bench/run.py            # the full table (a few minutes; inputs about 1 GB on disk)
    python bench/run.py --quick    # small inputs, one run each: a smoke test (CI runs it)

Inputs are generated in a temporary folder with a fixed seed: a realistic large artifact
(about 200 MB, 30,000 entries, 150 bundled jars of 100-300 entries under META-INF/lib/, mixed
compressibility), an .obr with 20 dependency jars, the same artifact shape at 50-400 MB, one
entry of 1 GiB zeros, 300 listing images at real sizes, a plugin source tree with 20 images.
Each case runs after a warm-up, alternating with its reference, and the table gives medians,
the ratio (assetcheck / reference) and assetcheck's peak RSS. References are Debian tools:
`unzip -tqq`, `7z t` (p7zip-full), ImageMagick's `convert IMG null:` (imagemagick), `python -c
pass`, `curl -T` to the stand-in Marketplace; `--setup` installs the missing ones with apt-get.
Nothing here asserts a time: the numbers are for reading, not for a flaky test.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ASSETCHECK = [sys.executable, "-m", "assetcheck"]
MiB = 1024 * 1024
DEBIAN = {"unzip": "unzip", "7z": "p7zip-full", "convert": "imagemagick", "curl": "curl"}


@dataclass
class Case:
    name: str
    command: list[str]
    reference_name: str | None = None
    reference: list[str] | None = None
    ok_codes: tuple[int, ...] = (0, 1)


@dataclass
class Timing:
    seconds: float
    peak_rss_mib: float


def run_once(command: Sequence[str]) -> tuple[Timing, int]:
    """Run ``command`` and measure its wall time and peak RSS (its own, from wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Timing(elapsed, usage.ru_maxrss / 1024), process.returncode


def measure(case: Case, runs: int) -> tuple[list[Timing], list[Timing]]:
    """Warm up once, then ``runs`` rounds alternating assetcheck and its reference."""
    ours: list[Timing] = []
    theirs: list[Timing] = []
    run_once(case.command)
    if case.reference:
        run_once(case.reference)
    for _ in range(runs):
        timing, code = run_once(case.command)
        if code not in case.ok_codes:
            raise SystemExit(f"{case.name}: assetcheck exited {code}: {' '.join(case.command)}")
        ours.append(timing)
        if case.reference:
            theirs.append(run_once(case.reference)[0])
    return ours, theirs


# ---- inputs ---------------------------------------------------------------------------------


def class_like(rng: random.Random, size: int) -> bytes:
    """Bytes that compress like class files (about 2-3x): tokens from a small vocabulary."""
    words = [bytes(rng.getrandbits(8) for _ in range(rng.randint(3, 12))) for _ in range(400)]
    out = bytearray(b"\xca\xfe\xba\xbe\x00\x00\x00\x37")
    while len(out) < size:
        out += rng.choice(words)
    return bytes(out[:size])


def incompressible(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(size)


def manifest(name: str) -> str:
    return (
        "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\n"
        f"Bundle-SymbolicName: com.example.{name}\r\nBundle-Version: 1.0.0\r\n\r\n"
    )


def bundled_jar(rng: random.Random, name: str, entries: int, entry_size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as jar:
        jar.writestr("META-INF/MANIFEST.MF", manifest(name))
        for index in range(entries):
            jar.writestr(f"com/example/{name}/C{index}.class", class_like(rng, entry_size))
    return buffer.getvalue()


def plugin_files() -> dict[str, bytes]:
    """The entries of a valid plugin jar: descriptor, marketing descriptor, manifest, images."""
    from tests.builders import make_jar

    with zipfile.ZipFile(io.BytesIO(make_jar())) as jar:
        return {info.filename: jar.read(info) for info in jar.infolist()}


def large_artifact(path: Path, megabytes: int, seed: int = 7) -> None:
    """About ``megabytes`` MB: 150 bundled jars (scaled), classes, resources and PNG-like data."""
    rng = random.Random(seed)
    scale = megabytes / 200
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as jar:
        for name, data in plugin_files().items():
            jar.writestr(name, data)
        for index in range(max(1, round(150 * scale))):
            nested = bundled_jar(rng, f"lib{index}", rng.randint(100, 300), 1400)
            jar.writestr(f"META-INF/lib/lib{index}.jar", nested, compress_type=zipfile.ZIP_STORED)
        for index in range(max(1, round(8000 * scale))):
            jar.writestr(f"com/example/app/K{index}.class", class_like(rng, 6000))
        for index in range(max(1, round(1500 * scale))):
            jar.writestr(f"static/img/i{index}.png", incompressible(rng, 40_000))


def obr(path: Path, seed: int = 11) -> None:
    rng = random.Random(seed)
    from tests.builders import make_jar, obr_xml

    app = make_jar()
    deps = {f"dependencies/dep{i}.jar": bundled_jar(rng, f"dep{i}", 200, 2000) for i in range(20)}
    resources = [("app.jar", "com.example.app", "1.0.0", len(app))]
    resources += [
        (name, f"com.example.dep{i}", "1.0.0", len(data))
        for i, (name, data) in enumerate(deps.items())
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("obr.xml", obr_xml(resources))
        archive.writestr("app.jar", app, compress_type=zipfile.ZIP_STORED)
        for name, data in deps.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)


def one_huge_entry(path: Path, size: int) -> None:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("huge.bin", "w", force_zip64=True) as entry,
    ):
        chunk = bytes(MiB)
        for _ in range(size // MiB):
            entry.write(chunk)


def images(folder: Path, count: int) -> list[Path]:
    from PIL import Image

    rng = random.Random(3)
    sizes = [
        ((1840, 900), "PNG"),
        ((1840, 900), "JPEG"),
        ((580, 330), "PNG"),
        ((1120, 548), "PNG"),
        ((144, 144), "PNG"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        (width, height), fmt = sizes[index % len(sizes)]
        image = Image.new("RGB", (width, height), (rng.randrange(256), 80, 160))
        # Some texture, so the encoders have real work (a flat image is not a listing image).
        for y in range(0, height, 37):
            image.paste((rng.randrange(256), rng.randrange(256), 40), (0, y, width, y + 9))
        path = folder / f"image{index}.{'png' if fmt == 'PNG' else 'jpg'}"
        image.save(path, fmt, quality=90)
        paths.append(path)
    return paths


def source_tree(root: Path) -> Path:
    from tests.builders import flat_image, source_files, write_tree

    files = source_files()
    for index in range(20 - sum(1 for name in files if name.endswith(".png"))):
        files[f"images/extra{index}.png"] = flat_image(1840, 900)
    return write_tree(root / "src/main/resources", files)


# ---- the table ------------------------------------------------------------------------------


def available(tool: str) -> bool:
    """Whether the real ``tool`` is on PATH (a stand-in script of the same name is not)."""
    found = shutil.which(tool)
    if found is None:
        return False
    if tool == "convert":
        probe = subprocess.run([found, "-version"], capture_output=True, check=False)
        return b"Version: ImageMagick" in probe.stdout
    return True


def setup() -> None:
    missing = [DEBIAN[tool] for tool in DEBIAN if not available(tool)]
    if missing and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False)


def cases(work: Path, quick: bool) -> list[Case]:
    big_mb = 8 if quick else 200
    big = work / "large.jar"
    large_artifact(big, big_mb)
    obr_path = work / "app.obr"
    obr(obr_path)
    huge = work / "huge.jar"
    one_huge_entry(huge, (64 if quick else 1024) * MiB)
    listing = images(work / "images", 10 if quick else 300)
    tree = source_tree(work / "tree")
    tiny = work / "tiny.jar"
    from tests.builders import make_jar

    tiny.write_bytes(make_jar())
    unzip = ["unzip", "-tqq"]
    result = [
        Case(
            f"check {big_mb} MB jar",
            [*ASSETCHECK, "check", str(big)],
            "unzip -tqq",
            [*unzip, str(big)],
        ),
        Case(
            "check .obr, 20 deps",
            [*ASSETCHECK, "check", str(obr_path)],
            "unzip -tqq",
            [*unzip, str(obr_path)],
        ),
        Case(
            "check 1 GiB entry",
            [*ASSETCHECK, "check", str(huge)],
            "unzip -tqq",
            [*unzip, str(huge)],
            ok_codes=(0, 1),
        ),
        Case(
            "--version",
            [*ASSETCHECK, "--version"],
            "python -c pass",
            [sys.executable, "-c", "pass"],
        ),
        Case(
            "check tiny jar",
            [*ASSETCHECK, "check", str(tiny)],
            "python -c pass",
            [sys.executable, "-c", "pass"],
        ),
        Case(
            "source tree, 20 images",
            [*ASSETCHECK, "check", str(tree)],
            "Pillow open+load loop",
            [sys.executable, "-c", PILLOW_LOOP, str(tree / "images")],
        ),
        Case(
            f"{len(listing)} images, full decode",
            [*ASSETCHECK, "check", "--image-type", "screenshot", str(work / "images")],
            "convert IMG null:",
            ["sh", "-c", 'for f in "$@"; do convert "$f" null:; done', "-", *map(str, listing)]
            if available("convert")
            else None,
        ),
    ]
    if available("7z"):
        result.insert(
            1,
            Case(
                f"check {big_mb} MB jar (7z)",
                [*ASSETCHECK, "check", str(big)],
                "7z t",
                ["7z", "t", "-bd", str(big)],
            ),
        )
    if not quick:
        for megabytes in (50, 100, 200, 400):
            path = work / f"scale{megabytes}.jar"
            large_artifact(path, megabytes, seed=megabytes)
            result.append(
                Case(
                    f"scaling {megabytes} MB",
                    [*ASSETCHECK, "check", str(path)],
                    "unzip -tqq",
                    [*unzip, str(path)],
                )
            )
    return result


PILLOW_LOOP = """
import sys, pathlib
from PIL import Image
for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    with Image.open(path) as image:
        image.load()
"""


def table(rows: list[tuple[Case, list[Timing], list[Timing]]]) -> str:
    lines = [
        f"assetcheck benchmark, {datetime.date.today()}, {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "",
        "| case | assetcheck | reference | reference time | ratio | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for case, ours, theirs in rows:
        mine = statistics.median(t.seconds for t in ours)
        peak = max(t.peak_rss_mib for t in ours)
        if theirs:
            ref = statistics.median(t.seconds for t in theirs)
            cells = (case.reference_name, f"{ref:.3f} s", f"{mine / ref:.2f}x")
        else:
            cells = ("(not installed)", "-", "-")
        row = (case.name, f"{mine:.3f} s", *cells, f"{peak:.0f} MiB")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one run each")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--setup", action="store_true", help="apt-get the missing references")
    args = parser.parse_args(argv)
    if args.setup:
        setup()
    runs = 1 if args.quick else args.runs
    report: Callable[[str], None] = print
    with tempfile.TemporaryDirectory(prefix="assetcheck-bench-") as folder:
        work = Path(folder)
        report("generating inputs ...")
        rows = []
        for case in cases(work, args.quick):
            if case.reference and not available(case.reference[0]):
                case.reference = None
            ours, theirs = measure(case, runs)
            rows.append((case, ours, theirs))
            report(f"  {case.name}: {statistics.median(t.seconds for t in ours):.3f} s")
        report("")
        report(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
