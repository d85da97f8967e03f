"""The HTML page: a listing laid out as the Marketplace shows it, safe to open whatever it names.

Unit tests build reports by hand (and image files in a temporary folder); the last tests run
the command line on the sample source trees and open the page in headless Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from assetcheck import __version__
from assetcheck.cli import main
from assetcheck.findings import Finding, Severity
from assetcheck.listing import CHANGED, UNTRUSTED, Page, build_page
from assetcheck.report import RENDERERS, render
from assetcheck.report.html import CSP, render_html
from assetcheck.report.model import CheckedAsset, FileReport, RenderContext, Report
from assetcheck.settings import Limits
from tests.builders import flat_image, marketing, write_tree
from tests.imagebuilders import make_image

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_TREES = [SAMPLES / "source" / name / "src/main/resources" for name in ("good", "bad")]
# A folder and a file whose path reads as markup: "/" cannot be in a file name.
HOSTILE = ("<script>alert('x')<", "script>\"&'.png")


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def images_of(page: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in tags(page) if tag == "img"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def loose(path: Path, image_type: str | None = None, **fields: object) -> FileReport:
    """A loose image's report, with the sha256 of the file as it is now."""
    data = path.read_bytes()
    report = FileReport(str(path), "image", size=len(data), sha256=sha(data), image_type=image_type)
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def tree_report(root: Path, images: dict[str, tuple[bytes, tuple[str, ...]]]) -> FileReport:
    """A source tree written to ``root``, reported with every image as checked."""
    write_tree(root, {name: data for name, (data, _) in images.items()})
    report = FileReport(str(root), "source")
    for name, (data, types) in images.items():
        report.assets[name] = CheckedAsset(name, len(data), sha(data), types)
    return report


def decoded(img: dict[str, str | None]) -> Image.Image:
    src = img["src"] or ""
    assert src.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
    return Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))


# ---- escaping -----------------------------------------------------------------------------


def test_hostile_names_messages_and_hints_are_text(tmp_path: Path) -> None:
    image = tmp_path.joinpath(*HOSTILE)
    image.parent.mkdir()
    image.write_bytes(flat_image(144, 144))
    finding = Finding(
        "IMG010",
        Severity.ERROR,
        "<img src=x onerror=alert(1)> is 'wrong'",
        entry='a"b<i>.png',
        hint="</span><script>evil()</script>",
    )
    page = render_html(Report([loose(image, "logo", findings=[finding])]))
    assert len(images_of(page)) == 1  # the file was found by its hostile name
    assert "<script>alert" not in page and "<img src=x" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&amp;&#x27;.png" in page
    assert "&lt;/span&gt;&lt;script&gt;evil()&lt;/script&gt;" in page
    assert "a&quot;b&lt;i&gt;.png" in page
    # The page's own script is the only one, and no element carries an event handler.
    assert [tag for tag, _ in tags(page)].count("script") == 1
    assert not [name for _, attrs in tags(page) for name in attrs if name.startswith("on")]


def test_undecodable_file_names_become_escapes(tmp_path: Path) -> None:
    name = os.fsdecode(b"logo-\xff.png")  # a lone surrogate, as Python reads the name
    finding = Finding("IMG001", Severity.ERROR, f"broken {name}", entry=name)
    report = FileReport(str(tmp_path), "source", findings=[finding])
    report.assets[name] = CheckedAsset(name, 1, "00" * 32, ("logo",))
    page = render_html(Report([report]))
    page.encode("utf-8")  # strict: no surrogate is left
    assert "logo-\\xff.png" in page


# ---- thumbnails ---------------------------------------------------------------------------


def test_a_thumbnail_shows_the_checked_bytes_and_only_them(tmp_path: Path) -> None:
    image = tmp_path / "logo.png"
    image.write_bytes(flat_image(144, 144, colour="#ff0000"))
    report = loose(image, "logo")
    [img] = images_of(render_html(Report([report])))
    thumbnail = decoded(img)
    assert thumbnail.size == (144, 144)
    assert thumbnail.convert("RGB").getpixel((70, 70)) == (255, 0, 0)

    image.write_bytes(flat_image(144, 144, colour="#00ff00"))  # replaced after the check
    page = render_html(Report([report]))
    assert images_of(page) == []
    assert CHANGED in page


def test_an_untrusted_image_has_no_thumbnail(tmp_path: Path) -> None:
    image = tmp_path / "banner.png"
    image.write_bytes(flat_image(1120, 548))
    broken = Finding("IMG021", Severity.ERROR, "truncated", integrity=True)
    assert images_of(render_html(Report([loose(image, "banner")]))) != []
    page = render_html(Report([loose(image, "banner", findings=[broken])]))
    assert images_of(page) == []
    assert UNTRUSTED in page


def test_an_untrusted_entry_of_a_tree_has_no_thumbnail(tmp_path: Path) -> None:
    report = tree_report(
        tmp_path,
        {
            "images/logo.png": (flat_image(144, 144), ("logo",)),
            "images/banner.png": (flat_image(1120, 548), ("banner",)),
        },
    )
    report.findings.append(
        Finding("IMG020", Severity.ERROR, "bomb", entry="images/banner.png", integrity=True)
    )
    [listing] = build_page(Report([report])).listings
    assert listing.logo[0].thumbnail is not None
    assert listing.banner[0].thumbnail is None
    assert listing.banner[0].note == UNTRUSTED


def test_thumbnails_are_bounded_and_name_the_real_size(tmp_path: Path) -> None:
    jpeg, png = tmp_path / "shot.jpg", tmp_path / "shot.png"
    jpeg.write_bytes(make_image(3000, 1500, "JPEG"))  # draft() alone decodes it at 750x375
    png.write_bytes(make_image(1840, 900))
    report = Report([loose(jpeg, "screenshot"), loose(png, "screenshot")])
    thumbnails = [decoded(img) for img in images_of(render_html(report))]
    assert [t.format for t in thumbnails] == ["JPEG", "PNG"]
    assert [t.size for t in thumbnails] == [(450, 225), (460, 225)]
    [listing] = build_page(report).listings
    assert [i.dimensions for i in listing.screenshots] == [(3000, 1500), (1840, 900)]

    small = build_page(report, limits=Limits(max_image_pixels=3_000_000))
    assert [i.thumbnail is None for i in small.listings[0].screenshots] == [True, False]
    assert small.listings[0].screenshots[0].dimensions == (3000, 1500)


def test_an_image_that_cannot_be_read_or_decoded_is_listed_without_a_thumbnail(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "logo.png"
    os.mkfifo(fifo)  # opening it for reading would block forever
    svg = tmp_path / "banner.png"
    svg.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    reports = [
        FileReport(str(fifo), "image", size=0, sha256=sha(b""), image_type="logo"),
        loose(svg, "banner"),
        FileReport(str(tmp_path / "gone.png"), "image", size=1, sha256="00" * 32),
    ]
    pages: list[Page] = []
    # In a thread, so that a read that blocks fails the test instead of hanging the run.
    worker = threading.Thread(target=lambda: pages.append(build_page(Report(reports))), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert pages, "building the page blocked on a FIFO"
    [listing] = pages[0].listings
    shown = [*listing.logo, *listing.banner, *listing.other]
    assert [image.thumbnail for image in shown] == [None, None, None]
    assert [image.note for image in shown] == [
        "could not be read again",
        "not a PNG, JPEG, GIF or BMP image",
        "could not be read again",
    ]


# ---- layout -------------------------------------------------------------------------------


def test_images_go_to_the_slot_of_their_type_and_highlights_pair_as_declared(
    tmp_path: Path,
) -> None:
    images = {
        "images/logo.png": (flat_image(144, 144), ("logo", "plugin-logo")),
        "images/banner.png": (flat_image(1120, 548), ("banner",)),
        "images/a.png": (flat_image(1840, 900), ("highlight",)),
        "images/b.png": (flat_image(1840, 900), ("highlight",)),
        "images/a_crop.png": (flat_image(580, 330), ("highlight-cropped",)),
        "images/b_crop.png": (flat_image(580, 330), ("highlight-cropped",)),
        "images/shot.png": (flat_image(1840, 900), ("screenshot",)),
        # Reused as a screenshot: it takes its first slot in page order, the highlights.
        "images/c.png": (flat_image(1840, 900), ("screenshot", "highlight")),
        "images/icon.png": (flat_image(16, 16), ("plugin-icon",)),
        "images/unused.png": (flat_image(10, 10), ()),
    }
    report = tree_report(tmp_path, images)
    # Declared crosswise: name order would pair them the other way round.
    highlights: list[tuple[str, str | None]] = [
        ("images/a.png", "images/b_crop.png"),
        ("images/b.png", "images/a_crop.png"),
    ]
    (tmp_path / "atlassian-plugin-marketing.xml").write_text(marketing(highlights=highlights))
    [listing] = build_page(Report([report])).listings
    assert [i.name for i in listing.logo] == ["images/logo.png"]
    assert [i.name for i in listing.banner] == ["images/banner.png"]
    assert [(p.full and p.full.name, p.cropped and p.cropped.name) for p in listing.highlights] == [
        ("images/a.png", "images/b_crop.png"),
        ("images/b.png", "images/a_crop.png"),
        ("images/c.png", None),
    ]
    assert [i.name for i in listing.screenshots] == ["images/shot.png"]
    assert [i.name for i in listing.more] == ["images/icon.png"]
    assert [i.name for i in listing.other] == ["images/unused.png"]
    page = render_html(Report([report]))
    order = [page.index(f"<h3>{h}") for h in ("Logo", "Banner", "Highlights", "Screenshots")]
    assert order == sorted(order)
    assert "plugin-logo" in page and "72x72 or 144x144" in page  # every type's sizes


def test_without_a_marketing_descriptor_highlights_pair_by_name(tmp_path: Path) -> None:
    report = tree_report(
        tmp_path,
        {
            "images/h2.png": (flat_image(1840, 900), ("highlight",)),
            "images/h1.png": (flat_image(1840, 900), ("highlight",)),
            "images/h1_cropped.png": (flat_image(580, 330), ("highlight-cropped",)),
        },
    )
    [listing] = build_page(Report([report])).listings
    pairs = [(p.full and p.full.name, p.cropped and p.cropped.name) for p in listing.highlights]
    assert pairs == [("images/h1.png", "images/h1_cropped.png"), ("images/h2.png", None)]
    assert "no cropped version" in render_html(Report([report]))


def test_each_image_names_its_type_real_size_and_accepted_sizes(tmp_path: Path) -> None:
    image = tmp_path / "banner.png"
    image.write_bytes(flat_image(1000, 500))
    page = render_html(Report([loose(image, "banner")]))
    assert "<dd>banner</dd>" in page
    assert "1000x500 · " in page
    assert "<dd>1120x548 or 560x274</dd>" in page


# ---- verdicts and findings ----------------------------------------------------------------


def test_verdicts_follow_fail_on(tmp_path: Path) -> None:
    image = tmp_path / "logo.gif"
    image.write_bytes(flat_image(144, 144, "GIF"))
    warned = loose(
        image, "logo", findings=[Finding("IMG003", Severity.WARNING, "a GIF", hint="use PNG")]
    )
    lenient = render_html(Report([warned]), context=RenderContext(fail_on=Severity.ERROR))
    strict = render_html(Report([warned]), context=RenderContext(fail_on=Severity.WARNING))
    assert "failing: IMG003" not in lenient and 'class="card logo ok"' in lenient
    assert "failing: IMG003" in strict and 'class="card logo fail"' in strict
    assert "The run passes" in lenient and "The run fails" in strict


def test_every_active_finding_is_listed_per_file_with_its_hint() -> None:
    report = Report(
        [
            FileReport(
                "app.jar",
                "artifact",
                size=10,
                findings=[
                    Finding(
                        "MF012",
                        Severity.ERROR,
                        "bad version",
                        "META-INF/MANIFEST.MF",
                        "use 1.2.3",
                        7,
                    ),
                    Finding("DSC001", Severity.INFO, "no description", line=3),
                    Finding("ZIP020", Severity.WARNING, "quiet", suppressed="baseline"),
                ],
            ),
            FileReport("other.jar", "artifact", size=1),
        ]
    )
    page = render_html(report)
    findings = page[page.index("<h2>Findings</h2>") :]
    assert findings.index("app.jar") < findings.index("MF012") < findings.index("other.jar")
    assert "META-INF/MANIFEST.MF:7:</span> bad version" in findings
    assert "<b>fix:</b> use 1.2.3" in findings
    assert "line 3:</span> no description" in findings
    assert "ZIP020" not in findings and "1 suppressed." in findings
    assert "images inside .jar and .obr files are not shown" in page


def test_the_page_names_the_tool_and_table_versions() -> None:
    page = render_html(Report(), context=RenderContext(image_types_version="2099.01.01+local"))
    assert f"assetcheck {__version__}" in page
    assert "image-type table 2099.01.01+local" in page


# ---- nothing leaves the page --------------------------------------------------------------


def test_nothing_is_loaded_from_the_network(tmp_path: Path) -> None:
    image = tmp_path / "logo.png"
    image.write_bytes(flat_image(144, 144))
    finding = Finding("X1", Severity.ERROR, "see https://evil.example/x.png", hint="http://a/")
    page = render_html(Report([loose(image, "logo", findings=[finding])]))
    for tag, attrs in tags(page):
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:image/"), (tag, name, value)
    assert not re.search(r"url\(|@import|(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert "default-src 'none'" in CSP and "img-src data:" in CSP
    [csp] = [a for t, a in tags(page) if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp["content"] == CSP


def test_html_is_a_report_format() -> None:
    assert RENDERERS["html"] is render_html
    assert render(Report(), "html").startswith("<!DOCTYPE html>")


def test_output_replaces_an_earlier_page(tmp_path: Path) -> None:
    output = tmp_path / "listing.html"
    tree = str(SAMPLE_TREES[0])
    assert main(["check", "--format", "html", "--output", str(output), tree]) == 0
    output.write_text(output.read_text().replace("listing", "LISTING"))
    assert main(["check", "--format", "html", "--output", str(output), tree]) == 0
    assert "LISTING" not in output.read_text()


# ---- in a browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on ``page``; a short run, killed after 60 s."""
    command = [
        CHROMIUM or "chromium",
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        "--window-size=1400,2400",
        *(["--no-sandbox"] if os.geteuid() == 0 else []),
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_sample_listing_displays_whole_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "listing.html"
    code = main(["check", "--format", "html", "--output", str(page), *map(str, SAMPLE_TREES)])
    assert code == 1  # the bad tree fails
    expected = len(images_of(page.read_text()))
    assert expected >= 20

    dom = chromium(page, tmp_path / "profile", "--dump-dom", "--virtual-time-budget=5000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    root = re.search(r"<html[^>]*>", dom.stdout)
    assert root, dom.stdout[:500]
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', root.group(0)))
    assert attributes.get("data-images") == str(expected)  # the page's script ran
    assert attributes.get("data-images-loaded") == str(expected)  # every <img> decoded
    assert attributes.get("data-problems") == ""  # no error, nothing blocked
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == []

    shot = tmp_path / "listing.png"
    run = chromium(page, tmp_path / "profile", "--hide-scrollbars", f"--screenshot={shot}")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 20  # text, cards and thumbnails, not a blank page
    assert max(count for count, _ in colours) < 0.9 * sum(count for count, _ in colours)
