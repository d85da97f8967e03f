"""assetcheck's benchmark: its time and memory beside standard tools, on this machine, now.

    python bench/run.py            # the full table (a few minutes; inputs about 1 GB on disk)
    python bench/run.py --quick    # small inputs, one run each: a smoke test (CI runs it)

Inputs are generated in a temporary folder with a fixed seed: a realistic large artifact
(200 MiB, 30,000 entries, 150 bundled jars of 100-300 entries under META-INF/lib/, mixed
compressibility), an .obr with 20 dependency jars, the same artifact shape at 50-400 MB, one
entry of 1 GiB zeros, 300 listing images at real sizes, a plugin source tree with 20 images.
Each case runs after a warm-up, alternating with its reference, and the table gives medians,
the ratio (assetcheck / reference) and assetcheck's peak RSS (each command's own, from wait4).
References are Debian tools: `unzip -tqq`, `7z t` (p7zip-full), ImageMagick's `identify
-regard-warnings` over the batch (imagemagick), `python -c pass`, and `curl -T` POSTing the
large artifact to the stand-in Marketplace of tests/upload (in a process of its own, on
loopback), as `assetcheck upload` does: once for the whole command (its checks, then the
upload), once for the transfer alone (the client's upload_artifact call against curl's
time_total). `--setup` installs the missing references with apt-get; a case whose reference
is missing runs without it.
Nothing here asserts a time: the numbers are for reading, not for a flaky test.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime
import hashlib
import io
import itertools
import json
import math
import os
import platform
import random
import shutil
import statistics
import string
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ASSETCHECK = [sys.executable, "-m", "assetcheck"]
MiB = 1024 * 1024
DEBIAN = {"unzip": "unzip", "7z": "p7zip-full", "identify": "imagemagick", "curl": "curl"}


@dataclass
class Case:
    name: str
    command: list[str]
    reference_name: str | None = None
    reference: list[str] | None = None
    ok_codes: tuple[int, ...] = (0, 1)
    reference_ok_codes: tuple[int, ...] | None = None  # None: the reference's status is not read
    env: dict[str, str] | None = None  # added to the environment of both commands
    # The time is the last line each command prints (seconds), not its process's wall time.
    timed_by_output: bool = False
    # Bytes moved per run: the notes under the table give both sides' throughput.
    transfer_bytes: int | None = None
    note: str | None = None  # said under the table


@dataclass
class Timing:
    seconds: float
    peak_rss_mib: float


# Runs one command as its own measured process. A child made by subprocess (vfork, then exec)
# inherits the parent's peak RSS in ru_maxrss, so a benchmark that has just built 200 MB of
# inputs would report its own footprint for `--version`. This small helper forks (its child
# starts from the helper's few MiB) and reports the wall time around fork, exec and exit, the
# child's ru_maxrss from wait4 and, when asked, the last line the child printed.
RUNNER = r"""
import json, os, sys, tempfile, time
capture, command = sys.argv[1] == "1", sys.argv[2:]
output = tempfile.TemporaryFile()
null = os.open(os.devnull, os.O_RDWR)
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(null, 0)
        os.dup2(output.fileno() if capture else null, 1)
        os.dup2(null, 2)
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
output.seek(0)
lines = output.read().decode(errors="replace").strip().splitlines()
print(json.dumps({
    "seconds": elapsed,
    "maxrss_kib": usage.ru_maxrss,
    "code": os.waitstatus_to_exitcode(status),
    "last": lines[-1] if lines else None,
}))
"""


def run_once(
    command: Sequence[str], env: dict[str, str] | None = None, timed_by_output: bool = False
) -> tuple[Timing, int]:
    """Run ``command`` and measure its wall time and peak RSS (its own, from wait4)."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "1" if timed_by_output else "0", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env} if env else None,
        check=True,
    )
    result = json.loads(done.stdout)
    seconds = result["seconds"]
    if timed_by_output and result["code"] == 0:
        try:
            seconds = float(result["last"])
        except (TypeError, ValueError):
            raise SystemExit(f"{command[0]} printed no time: {result['last']!r}") from None
    return Timing(seconds, result["maxrss_kib"] / 1024), result["code"]


def measure(case: Case, runs: int) -> tuple[list[Timing], list[Timing]]:
    """Warm up once, then ``runs`` rounds alternating assetcheck and its reference."""
    ours: list[Timing] = []
    theirs: list[Timing] = []

    def ours_once() -> Timing:
        timing, code = run_once(case.command, case.env, case.timed_by_output)
        if code not in case.ok_codes:
            raise SystemExit(f"{case.name}: assetcheck exited {code}: {' '.join(case.command)}")
        return timing

    def theirs_once(reference: list[str]) -> Timing:
        timing, code = run_once(reference, case.env, case.timed_by_output)
        expected = case.reference_ok_codes or ((0,) if case.timed_by_output else None)
        if expected is not None and code not in expected:
            raise SystemExit(f"{case.name}: {case.reference_name} exited {code}")
        return timing

    ours_once()
    if case.reference:
        theirs_once(case.reference)
    for _ in range(runs):
        ours.append(ours_once())
        if case.reference:
            theirs.append(theirs_once(case.reference))
    return ours, theirs


# ---- inputs ---------------------------------------------------------------------------------
#
# Entries are not deflated one by one (deflating the ~500 MB behind a 200 MB artifact takes
# longer than checking it). Each kind of data is made once per generator as a pool, and the
# pool is deflated in pieces with a full flush between them, which resets the compressor: any
# run of consecutive pieces, joined, is a valid deflate stream of the run's bytes. An entry is
# a unique stored head (its name: no two entries are alike) followed by a random run of pieces,
# so its compressed size is what deflate level 6 really makes of its bytes (cut in pieces of 1-16
# KiB, a little more than in one stream), and writing it costs a join and a crc32. The zip is
# laid out by hand, as zipfile lays it out, with a fixed timestamp.

DEFLATED, STORED = 8, 0
# tests.builders.FIXED_TIME as a DOS date and time: a seed always gives the same bytes.
DOS_DATE = ((2025 - 1980) << 9) | (12 << 5) | 15
DOS_TIME = (18 << 11) | (43 << 5) | (42 // 2)
FINAL_BLOCK = b"\x03\x00"  # an empty fixed-Huffman block with BFINAL set: ends a stream
CLASS_HEAD = b"\xca\xfe\xba\xbe\x00\x00\x00\x37"  # magic, minor 0, major 55 (Java 11)


class ZipWriter:
    """A zip of entries given already deflated: local headers, central directory, no zip64."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._offset = 0
        self._central: list[bytes] = []

    def add(self, name: str, data: bytes, crc: int, size: int, method: int = DEFLATED) -> int:
        """Write one entry; returns the bytes it took (local header, name and data)."""
        encoded = name.encode()
        if self._offset + len(data) > 0xFFFFFFFF or len(self._central) == 0xFFFF:
            raise ValueError("too large for a zip without zip64: ask for fewer megabytes")
        fields = (method, DOS_TIME, DOS_DATE, crc, len(data), size, len(encoded))
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *fields, 0)
        # Made by Unix, zip 2.0; no extra field, no comment; modes as zipfile writes them.
        mode = (0o40775 << 16) | 0x10 if name.endswith("/") else 0o644 << 16
        central = struct.pack("<4s6H3L5H", b"PK\x01\x02", 0x0314, 20, 0, *fields, 0, 0, 0, 0)
        self._central.append(central + struct.pack("<2L", mode, self._offset) + encoded)
        self._out.write(local + encoded)
        self._out.write(data)
        taken = len(local) + len(encoded) + len(data)
        self._offset += taken
        return taken

    def close(self) -> None:
        directory = b"".join(self._central)
        count = len(self._central)
        self._out.write(directory)
        self._out.write(
            struct.pack(
                "<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), self._offset, 0
            )
        )


def central_size(names: Sequence[str]) -> int:
    """The bytes of the central directory (and its end record) of entries with these names."""
    return sum(46 + len(name.encode()) for name in names) + 22


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def stored_blocks(data: bytes, final: bool) -> bytes:
    """``data`` as deflate stored blocks (what deflate makes of bytes it cannot compress)."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        piece = data[start : start + 0xFFFF]
        last = final and start + 0xFFFF >= len(data)
        blocks.append(struct.pack("<BHH", last, len(piece), len(piece) ^ 0xFFFF) + piece)
    return b"".join(blocks)


class Pool:
    """Bytes of one kind, deflated in pieces of ``low``-``high`` bytes with a full flush between."""

    def __init__(self, raw: bytes, rng: random.Random, low: int, high: int) -> None:
        self._raw = memoryview(raw)
        self._starts = [0]
        self._pieces: list[bytes] = []
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        while (start := self._starts[-1]) < len(raw):
            end = min(len(raw), start + rng.randint(low, high))
            piece = compressor.compress(raw[start:end]) + compressor.flush(zlib.Z_FULL_FLUSH)
            self._pieces.append(piece)
            self._starts.append(end)
        self.ratio = len(raw) / sum(map(len, self._pieces))

    def entry(self, rng: random.Random, head: bytes, target: float) -> tuple[bytes, int, int]:
        """About ``target`` deflated bytes: ``head``, stored, then a random run of pieces.

        Returns the deflate stream, the crc32 and the size of the bytes it inflates to.
        """
        parts = [stored_blocks(head, final=False)]
        total = len(parts[0]) + len(FINAL_BLOCK)
        crc, size = zlib.crc32(head), len(head)
        index = rng.randrange(len(self._pieces))
        while True:
            piece = self._pieces[index]
            # At least one piece; then another while it brings the size nearer the target.
            if len(parts) > 1 and total + len(piece) - target > target - total:
                break
            parts.append(piece)
            total += len(piece)
            start, end = self._starts[index], self._starts[index + 1]
            crc = zlib.crc32(self._raw[start:end], crc)
            size += end - start
            index = (index + 1) % len(self._pieces)
        parts.append(FINAL_BLOCK)
        return b"".join(parts), crc, size


def weighted(rng: random.Random, vocabulary: list[bytes], weights: list[float], size: int) -> bytes:
    """``size`` bytes of words drawn from ``vocabulary`` (a few thousand at a time: fast)."""
    cumulative = list(itertools.accumulate(weights))
    out: list[bytes] = []
    filled = 0
    while filled < size:
        picks = rng.choices(vocabulary, cum_weights=cumulative, k=8192)
        out += picks
        filled += sum(map(len, picks))
    return b"".join(out)[:size]


def class_pool(rng: random.Random) -> Pool:
    """Class-file-like bytes: identifiers and descriptors between short bytecode-like runs.

    Deflate makes about 2.5x of them, as of real class files.
    """
    names = [
        "".join(rng.choices(string.ascii_letters + "/;()", k=rng.randint(4, 20))).encode()
        for _ in range(50)
    ]
    opcodes = rng.randbytes(40)
    code = [bytes(rng.choices(opcodes, k=rng.randint(1, 4))) for _ in range(300)]
    weights = [0.7 / len(names)] * len(names) + [0.3 / len(code)] * len(code)
    return Pool(weighted(rng, names + code, weights, 4 * MiB), rng, 1024, 4096)


TEXT_LINES = (
    '  <web-resource key="{0}-{1}" name="{2} {3}">\n'
    '    <resource type="download" name="{1}.js" location="js/{0}/{1}.js"/>\n'
    "  </web-resource>\n",
    "{0}.{1}.{2}={3} {4} {5} {6}\n",
    '    var {0} = require("{1}/{2}");\n    {0}.{3}({4}, function ({5}) {{ return {5}.{6}; }});\n',
    ".{0}-{1} {{ margin: 0 {2}px; color: #{3}; }}\n",
)


def text_pool(rng: random.Random) -> Pool:
    """Resource-like text (descriptors, i18n properties, JavaScript, CSS): about 4x in deflate."""
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(40)]
    lines: list[str] = []
    filled = 0
    while filled < 2 * MiB:
        line = rng.choice(TEXT_LINES).format(*rng.choices(words, k=7))
        lines.append(line)
        filled += len(line)
    return Pool("".join(lines).encode()[: 2 * MiB], rng, 4096, 16384)


class Budget:
    """Spreads ``total`` bytes over ``count`` entries, making up for each entry's actual size."""

    def __init__(self, total: float, count: int) -> None:
        self.left = total
        self.count = count

    def share(self, entries: int = 1) -> float:
        return max(0.0, self.left) * entries / max(1, self.count)

    def spend(self, taken: int, entries: int = 1) -> None:
        self.left -= taken
        self.count -= entries


def spread(rng: random.Random, sigma: float) -> float:
    """A size factor of mean 1: most entries small, a few large, as in real jars."""
    return min(8.0, rng.lognormvariate(0.0, sigma) / math.exp(sigma * sigma / 2))


def manifest(name: str) -> str:
    return (
        "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\n"
        f"Bundle-SymbolicName: com.example.{name}\r\nBundle-Version: 1.0.0\r\n\r\n"
    )


def bundled_jar(rng: random.Random, pool: Pool, name: str, entries: int, target: float) -> bytes:
    """A bundled library of ``entries`` classes, about ``target`` bytes in all."""
    buffer = io.BytesIO()
    jar = ZipWriter(buffer)
    text = manifest(name).encode()
    names = [f"com/example/{name}/C{index}.class" for index in range(entries)]
    taken = jar.add("META-INF/MANIFEST.MF", deflate(text), zlib.crc32(text), len(text))
    overhead = taken + central_size(["META-INF/MANIFEST.MF", *names])
    budget = Budget(target - overhead, entries)
    for entry_name in names:
        wanted = budget.share() * spread(rng, 0.7)
        data, crc, size = pool.entry(rng, class_head(entry_name), wanted)
        budget.spend(jar.add(entry_name, data, crc, size))
    jar.close()
    return buffer.getvalue()


def plugin_files() -> dict[str, bytes]:
    """The entries of a valid plugin jar: descriptor, marketing descriptor, manifest, images."""
    from tests.builders import make_jar

    with zipfile.ZipFile(io.BytesIO(make_jar())) as jar:
        return {info.filename: jar.read(info) for info in jar.infolist()}


def large_artifact(path: Path, megabytes: int, seed: int = 7) -> None:
    """A plugin of ``megabytes`` MiB (within 1%), shaped as the issue describes a large one.

    Per 200 MiB, 30,000 entries: 150 bundled jars under META-INF/lib/ of 100-300 classes each
    (40% of the bytes), then 70% of the other entries classes (30% of the bytes, about 2.5x in
    deflate), 17% resources that compress well (about 4x: 10%) and 13% incompressible PNG-like
    images (20%). Entry counts scale with ``megabytes``; entry sizes do not. A seed gives the
    same bytes every time.
    """
    rng = random.Random(seed)
    classes, texts = class_pool(rng), text_pool(rng)
    scale = megabytes / 200
    plugin = plugin_files()
    jar_sizes = [rng.randint(100, 300) for _ in range(max(1, round(150 * scale)))]
    jars = [f"META-INF/lib/lib{index}-1.{index % 10}.jar" for index in range(len(jar_sizes))]
    others = max(3, round(30_000 * scale) - len(jars) - len(plugin))
    class_count, text_count = round(others * 0.7), round(others * 0.17)
    class_names = [f"com/example/app/p{i % 97}/K{i}.class" for i in range(class_count)]
    kinds = (("i18n", "properties"), ("templates", "soy"), ("js", "js"), ("css", "css"))
    text_names = [f"{kinds[i % 4][0]}/r{i}.{kinds[i % 4][1]}" for i in range(text_count)]
    image_names = [f"static/img/i{i}.png" for i in range(others - class_count - text_count)]
    all_names = [*plugin, *jars, *class_names, *text_names, *image_names]
    with path.open("wb") as out:
        archive = ZipWriter(out)
        left = megabytes * MiB - central_size(all_names)
        for name, data in plugin.items():
            if name.endswith("/"):  # a folder: stored, as zipfile writes it
                left -= archive.add(name, b"", 0, 0, STORED)
            else:
                left -= archive.add(name, deflate(data), zlib.crc32(data), len(data))
        budget = Budget(left * 0.40, sum(jar_sizes))
        for index, (name, entries) in enumerate(zip(jars, jar_sizes, strict=True)):
            target = budget.share(entries) - 30 - len(name)
            nested = bundled_jar(rng, classes, f"lib{index}", entries, target)
            taken = archive.add(name, nested, zlib.crc32(nested), len(nested), STORED)
            budget.spend(taken, entries)
        for share, names, sigma, make in (
            (0.30, class_names, 0.7, lambda name, size: classes.entry(rng, class_head(name), size)),
            (0.10, text_names, 0.7, lambda name, size: texts.entry(rng, text_head(name), size)),
            (0.20, image_names, 1.0, lambda name, size: png_like(rng, size)),
        ):
            budget = Budget(left * share, len(names))
            for name in names:
                target = budget.share() * spread(rng, sigma) - 30 - len(name)
                data, crc, size = make(name, target)
                budget.spend(archive.add(name, data, crc, size))
        archive.close()


def class_head(name: str) -> bytes:
    return CLASS_HEAD + name.encode()


def text_head(name: str) -> bytes:
    return f"# {name}\n".encode()


def png_like(rng: random.Random, target: float) -> tuple[bytes, int, int]:
    """Already-compressed image bytes: random, so deflate stores them (5 bytes per 64 KiB)."""
    raw = rng.randbytes(max(64, int(target) - 5 * (1 + int(target) // 0xFFFF)))
    return stored_blocks(raw, final=True), zlib.crc32(raw), len(raw)


def obr(path: Path, seed: int = 11) -> None:
    """An .obr: the plugin jar and 20 dependency jars of 200 classes (2,000 bytes each, raw)."""
    rng = random.Random(seed)
    from tests.builders import KEY, VERSION, make_jar, obr_xml

    classes = class_pool(rng)
    app = make_jar()
    target = 200 * (2000 / classes.ratio + 110)
    deps = {
        f"dependencies/dep{i}.jar": bundled_jar(rng, classes, f"dep{i}", 200, target)
        for i in range(20)
    }
    resources = [("app.jar", KEY, VERSION, len(app))]  # as the plugin jar's manifest says
    resources += [
        (name, f"com.example.dep{i}", "1.0.0", len(data))
        for i, (name, data) in enumerate(deps.items())
    ]
    with path.open("wb") as out:
        archive = ZipWriter(out)
        listing = obr_xml(resources).encode()
        archive.add("obr.xml", deflate(listing), zlib.crc32(listing), len(listing))
        for name, data in {"app.jar": app, **deps}.items():
            archive.add(name, data, zlib.crc32(data), len(data), STORED)
        archive.close()


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
    if tool in ("convert", "identify"):
        probe = subprocess.run([found, "-version"], capture_output=True, check=False)
        return b"Version: ImageMagick" in probe.stdout
    return True


def changed_image(tree: Path) -> Path:
    """A highlight image of the tree: what a commit that changes one image hands the hook."""
    return sorted((tree / "images").glob("*.png"))[0]


def compiled() -> None:
    """Byte-compile assetcheck, as installing it does: a checkout run with
    PYTHONDONTWRITEBYTECODE set (this machine's default) compiles every module at every start,
    0.2 s that no installed copy pays."""
    for folder in (ROOT / "assetcheck", ROOT / "rules"):
        compileall.compile_dir(folder, quiet=1)


def setup() -> None:
    missing = [DEBIAN[tool] for tool in DEBIAN if not available(tool)]
    if missing and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False)


def generated(path: Path, megabytes: int, seed: int, say: Callable[[str], None]) -> Path:
    """``large_artifact``, timed, and said: the generator's speed and honesty are on show."""
    start = time.perf_counter()
    large_artifact(path, megabytes, seed)
    elapsed = time.perf_counter() - start
    with zipfile.ZipFile(path) as archive:
        entries = len(archive.infolist())
    size = path.stat().st_size
    say(
        f"  {path.name}: asked {megabytes} MB, made {size / MiB:.1f} MiB ({size / 1e6:.1f} MB, "
        f"{entries:,} entries) in {elapsed:.1f} s"
    )
    return path


def cases(
    work: Path, quick: bool, stack: contextlib.ExitStack, say: Callable[[str], None] = print
) -> list[Case]:
    big_mb = 8 if quick else 200
    big = generated(work / "large.jar", big_mb, 7, say)
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
            f"check {'64 MiB' if quick else '1 GiB'} entry",
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
            "pre-commit: 1 changed image",
            [*ASSETCHECK, "check", str(changed_image(tree))],
            "python -c pass",
            [sys.executable, "-c", "pass"],
        ),
        Case(
            f"{len(listing)} images, full decode",
            [*ASSETCHECK, "check", "--image-type", "screenshot", str(work / "images")],
            # ImageMagick's fastest batch form: one process decoding every file in turn
            # (`convert IMG null:` per file costs a start-up each: about 3x this).
            "identify -regard-warnings",
            ["identify", "-regard-warnings", *map(str, listing)],
        ),
    ]
    result[1:1] = upload_cases(work, big, stack.enter_context(stand_in_marketplace()))
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
            path = generated(work / f"scale{megabytes}.jar", megabytes, megabytes, say)
            result.append(
                Case(
                    f"scaling {megabytes} MB",
                    [*ASSETCHECK, "check", str(path)],
                    "unzip -tqq",
                    [*unzip, str(path)],
                )
            )
    return result


# tests/upload's stand-in Marketplace, counting each upload's bytes without hashing them: the
# same server for assetcheck and for curl, and never the slower side of the exchange.
SERVE = """
import sys
from tests.upload.marketplace_server import StandInMarketplace
with StandInMarketplace(hash_uploads=False) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()  # until the benchmark closes it
"""

# The transfer alone: the client's upload_artifact call, timed inside the process, as curl's
# time_total is (httpx imports httpcore on first use: start-up, like curl's, so done before).
TRANSFER = """
import os, sys, time
from pathlib import Path
import httpcore
from assetcheck.client import MarketplaceClient
from assetcheck.credentials import Credentials
base_url, path, sha256 = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
user, token = os.environ["ASSETCHECK_USER"], os.environ["ASSETCHECK_TOKEN"]
client = MarketplaceClient(base_url, Credentials(user, token, "environment"))
start = time.perf_counter()
result = client.upload_artifact(path, expected_sha256=sha256)
elapsed = time.perf_counter() - start
if result.sha256 != sha256 or result.asset.size != path.stat().st_size:
    raise SystemExit("the upload does not match the file")
print(elapsed)
"""


@contextlib.contextmanager
def stand_in_marketplace() -> Iterator[str]:
    """The stand-in Marketplace in a process of its own, on loopback; yields its API root."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        base_url = server.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise SystemExit("the stand-in Marketplace did not start")
        yield base_url
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MiB):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_speed(size: int) -> float:
    """MB/s of SHA-256 here, over ``size`` bytes already in memory: the client's ceiling."""
    block = random.Random(1).randbytes(MiB)
    digest = hashlib.sha256()
    start = time.perf_counter()
    for _ in range(max(1, size // MiB)):
        digest.update(block)
    return max(1, size // MiB) * MiB / 1e6 / (time.perf_counter() - start)


def upload_cases(work: Path, artifact: Path, base_url: str) -> list[Case]:
    """``assetcheck upload`` (checks, then the transfer) and the transfer alone, against curl
    POSTing the same bytes to the same endpoint of the same server, as assetcheck sends them."""
    from tests.upload.marketplace_server import TOKEN, USER

    env = {
        "ASSETCHECK_BASE_URL": base_url,
        "ASSETCHECK_USER": USER,
        "ASSETCHECK_TOKEN": TOKEN,
        "CI": "1",  # never a prompt
    }
    config = work / "curl.config"  # curl's credentials stay off every command line
    config.touch(mode=0o600)
    config.write_text(f'user = "{USER}:{TOKEN}"\n')
    size = artifact.stat().st_size
    curl = ["curl", "-sS", "--fail", "-o", "/dev/null", "-K", str(config), "-X", "POST"]
    curl += ["-T", str(artifact), "-H", "Content-Type: application/binary", "-H", "Expect:"]
    curl.append(f"{base_url}/assets/artifact?file={artifact.name}")
    ledger = work / "ledger.db"
    megabytes = round(size / MiB)
    sha256 = file_sha256(artifact)
    hashing = sha256_speed(size)
    return [
        Case(
            f"upload {megabytes} MB jar",
            [*ASSETCHECK, "upload", "--force", "--ledger", str(ledger), str(artifact)],
            "curl -T, same POST",
            curl,
            ok_codes=(0,),
            reference_ok_codes=(0,),
            env=env,
            transfer_bytes=size,
        ),
        Case(
            f"upload {megabytes} MB: transfer",
            [sys.executable, "-c", TRANSFER, base_url, str(artifact), sha256],
            "curl -T, time_total",
            [*curl, "-w", "%{time_total}\n"],
            ok_codes=(0,),
            env=env,
            timed_by_output=True,
            transfer_bytes=size,
            note=(
                f"SHA-256 alone runs at {hashing:.0f} MB/s here: the client hashes every byte "
                "it sends (the last chunk waits until the sum matches the check's), so its "
                "transfer cannot be faster; curl hashes nothing."
            ),
        ),
    ]


PILLOW_LOOP = """
import sys, pathlib
from PIL import Image
for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    with Image.open(path) as image:
        image.load()
"""


def table(rows: list[tuple[Case, list[Timing], list[Timing]]], load: float | None = None) -> str:
    lines = [
        f"assetcheck benchmark, {datetime.date.today()}, {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        + (f", load average {load:.2f} before the run" if load is not None else ""),
        "",
        "| case | assetcheck | reference | reference time | ratio | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for case, ours, theirs in rows:
        mine = statistics.median(t.seconds for t in ours)
        peak = max(t.peak_rss_mib for t in ours)
        if theirs:
            ref = statistics.median(t.seconds for t in theirs)
            cells = (case.reference_name or "-", f"{ref:.3f} s", f"{mine / ref:.2f}x")
        else:
            cells = ("(not installed)", "-", "-")
        row = (case.name, f"{mine:.3f} s", *cells, f"{peak:.0f} MiB")
        lines.append("| " + " | ".join(row) + " |")
    notes = [throughput(case, ours, theirs) for case, ours, theirs in rows if case.transfer_bytes]
    notes += [case.note for case, _, _ in rows if case.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def throughput(case: Case, ours: list[Timing], theirs: list[Timing]) -> str:
    """Both sides of an upload case in MB/s, and assetcheck's as a share of the reference's."""
    size = case.transfer_bytes or 0
    mine = size / 1e6 / statistics.median(t.seconds for t in ours)
    text = f"{case.name}: assetcheck {mine:.0f} MB/s"
    if theirs:
        ref = size / 1e6 / statistics.median(t.seconds for t in theirs)
        text += f", {case.reference_name} {ref:.0f} MB/s: {mine / ref:.2f}x its throughput"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one run each")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--setup", action="store_true", help="apt-get the missing references")
    parser.add_argument(
        "--only", metavar="TEXT", help="measure only the cases whose name contains TEXT"
    )
    args = parser.parse_args(argv)
    if args.setup:
        setup()
    runs = 1 if args.quick else args.runs
    compiled()
    load = os.getloadavg()[0]  # other work on the machine skews every number below
    report: Callable[[str], None] = print
    with (
        tempfile.TemporaryDirectory(prefix="assetcheck-bench-") as folder,
        contextlib.ExitStack() as stack,
    ):
        work = Path(folder)
        report("generating inputs ...")
        rows = []
        for case in cases(work, args.quick, stack, report):
            if args.only and args.only not in case.name:
                continue
            if case.reference and not available(case.reference[0]):
                case.reference = None
            ours, theirs = measure(case, runs)
            rows.append((case, ours, theirs))
            report(f"  {case.name}: {statistics.median(t.seconds for t in ours):.3f} s")
        report("")
        report(table(rows, load))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
