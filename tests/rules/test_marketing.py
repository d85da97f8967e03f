from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetcheck.rules import marketing as rules
from assetcheck.settings import DEFAULT_LIMITS
from assetcheck.views import MarketingView
from tests.builders import (
    make_jar,
    marketing,
    source_files,
    write_tree,
)
from tests.catalogue import RULES
from tests.rules.support import Case, Folder, check_one, family_codes, file_case, run_case

MARKETING = "atlassian-plugin-marketing.xml"
FAMILIES = ("XML", "DSC", "MKT")
GOOD = marketing()
HIGHLIGHTS = [(f"images/highlight{i}.png", f"images/highlight{i}_cropped.png") for i in (1, 2, 3)]


def jar_with(text: str) -> bytes:
    return make_jar(**{MARKETING: text})


def product(name: str, low: str = "9.12.0", high: str = "10.3.0") -> str:
    return f'<product name="{name}" min="{low}" max="{high}"/>'


CASES: list[Case] = [
    file_case(
        "wrong-root",
        "MKT001",
        jar_with(GOOD.replace("atlassian-plugin-marketing>", "atlassian-plugin>")),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "screenshot-missing",
        "MKT002",
        jar_with(marketing(screenshots=["images/screenshot1.png", "images/screenshot3.png"])),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "unknown-product",
        "MKT003",
        jar_with(marketing(compatibility=product("JIRA Software"))),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "min-above-max",
        "MKT004",
        jar_with(marketing(compatibility=product("jira", "7.0", "4.4.1"))),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "two-highlights",
        "MKT010",
        jar_with(marketing(highlights=HIGHLIGHTS[:2])),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "no-highlights-element",
        "MKT010",
        jar_with(GOOD[: GOOD.index("  <highlights>")] + GOOD[GOOD.index("  <screenshots>") :]),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "crop-is-another-highlight",
        "MKT012",
        jar_with(
            marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png", HIGHLIGHTS[1][0])])
        ),
        entry=MARKETING,
    ),
    file_case(
        "highlight-without-crop",
        "MKT011",
        jar_with(marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png", None)])),
        entry=MARKETING,
        only=True,
    ),
    file_case(
        "crop-is-the-full-image",
        "MKT012",
        jar_with(
            marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png",) * 2])  # type: ignore[list-item]
        ),
        entry=MARKETING,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    result = run_case(case, tmp_path)
    assert family_codes(result, FAMILIES) == {case.code}, result.findings


def test_absent_marketing_descriptor_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{MARKETING: None}))
    assert not family_codes(check_one(path), FAMILIES)


def test_source_tree(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, source_files())
    assert not family_codes(check_one(tree), FAMILIES)
    (tree / "images" / "highlight2_cropped.png").unlink()
    found = [(f.code, f.entry) for f in check_one(tree).findings if f.code.startswith("MKT")]
    assert found == [("MKT002", MARKETING)]


# ---- one rule at a time -------------------------------------------------------------------


def run_rule(check, text: str, files: tuple[str, ...] = (), *, in_source: bool = False):
    folder = Folder({MARKETING: text.encode(), **dict.fromkeys(files, b"x")})
    return list(check(MarketingView(folder, DEFAULT_LIMITS, in_source=in_source)))


def test_every_kind_of_reference_is_checked() -> None:
    text = marketing(screenshots=["images/s1.png"])
    messages = [p.message for p in run_rule(rules.images_exist, text)]
    assert [m.split(" is '")[0] for m in messages] == [
        "the logo",
        "the banner",
        "highlight 1",
        "highlight 1's cropped image",
        "highlight 2",
        "highlight 2's cropped image",
        "highlight 3",
        "highlight 3's cropped image",
        "screenshot 1",
    ]


def test_missing_image_suggests_another_extension(tmp_path: Path) -> None:
    files = {
        MARKETING: marketing(screenshots=["/images/screenshot1.jpg"]),
        "images/screenshot1.png": make_jar(),  # any bytes: only the name matters here
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    (finding,) = [f for f in check_one(path).findings if f.code == "MKT002"]
    assert "images/screenshot1.jpg" in finding.message
    assert "'images/screenshot1.png'" in finding.hint
    assert finding.line == 14


def test_empty_image_attribute_is_reported() -> None:
    text = GOOD.replace('<logo image="images/logo.png"/>', '<logo image=" "/>')
    files = tuple(f"images/{n}" for n in ("banner.png",))
    found = run_rule(rules.images_exist, text, files)
    assert "the logo has an empty image attribute" in found[0].message


@pytest.mark.parametrize(
    ("compatibility", "problem"),
    [
        (product("jira") + product("confluence") + product("bitbucket"), None),
        (product("bamboo") + product("crowd") + product("fecru"), None),
        (product("Jira"), "should be written 'jira'"),
        (product("stash"), "should be written 'bitbucket'"),
        (product("hipchat"), "is not a known product"),
        ('<product min="1.0"/>', "has no name"),
        (product("${product}"), None),
    ],
)
def test_products(compatibility: str, problem: str | None) -> None:
    found = run_rule(rules.unknown_products, marketing(compatibility=compatibility))
    assert [p.message for p in found if problem and problem in p.message] == [
        p.message for p in found
    ]
    assert len(found) == (problem is not None)


@pytest.mark.parametrize(
    ("low", "high", "reversed_"),
    [
        ("9.12.0", "10.3.0", False),
        ("1.9", "1.10", False),
        ("1.10", "1.9", True),
        ("7.0", "4.4.1", True),
        ("4.4.1", "4.4.1", False),
        ("1.0.1", "1.0.1-beta", True),
        ("800000", "900000", False),
        ("900000", "800000", True),
        ("900000", "8.0.0", False),  # a build number and a version name: not comparable
        ("${jira.min}", "1.0", False),
        ("", "1.0", False),
    ],
)
def test_min_and_max(low: str, high: str, reversed_: bool) -> None:
    text = marketing(compatibility=product("jira", low, high))
    assert bool(run_rule(rules.min_above_max, text)) is reversed_


def test_no_highlights_element_warns_as_an_empty_one_does() -> None:
    text = GOOD[: GOOD.index("  <highlights>")] + GOOD[GOOD.index("  <screenshots>") :]
    (found,) = run_rule(rules.three_highlights, text)
    assert found.message.startswith("no <highlights> (expected 3 highlights")
    assert found.line == 2  # the root element: there is no <highlights> to point at


def test_empty_highlights_element_is_reported() -> None:
    text = marketing(highlights=[])
    (found,) = run_rule(rules.three_highlights, text)
    assert "declares 0 highlights" in found.message


def test_highlight_without_either_image() -> None:
    text = marketing().replace('<highlight image="images/highlight1.png"', "<highlight")
    (found,) = run_rule(rules.highlight_incomplete, text)
    assert "highlight 1 has no full image" in found.message


def test_crop_equal_after_normalising() -> None:
    text = marketing(highlights=[("images/a.png", "/images/a.png")])
    (found,) = run_rule(rules.cropped_is_full_image, text)
    assert "'images/a.png'" in found.message


def test_crop_that_is_another_highlights_full_image() -> None:
    text = marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png", HIGHLIGHTS[0][0])])
    (found,) = run_rule(rules.cropped_is_full_image, text)
    assert found.message.startswith(
        "highlight 3's cropped version is highlight 1's full image 'images/highlight1.png', "
        "so the listing's 580x330 crop slot gets the full highlight"
    )


def test_crop_of_a_shared_full_image_is_named_as_its_own() -> None:
    shared = "images/highlight1.png"
    text = marketing(highlights=[HIGHLIGHTS[0], (shared, shared), HIGHLIGHTS[2]])
    (found,) = run_rule(rules.cropped_is_full_image, text)
    assert found.message.startswith("highlight 2's cropped version is its own full image")


def test_crop_is_its_own_full_image_names_what_it_breaks() -> None:
    text = marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png",) * 2])  # type: ignore[list-item]
    (found,) = run_rule(rules.cropped_is_full_image, text)
    assert "highlight 3's cropped version is its own full image" in found.message
    assert "crop slot gets the full highlight" in found.message


def test_crop_is_the_full_image_is_one_finding_in_all(tmp_path: Path) -> None:
    """One mistake, one finding: the image is a good highlight, and MKT012 says the rest;
    it is not measured again as a 580x330 crop (IMG010)."""
    path = tmp_path / "app.jar"
    text = marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png",) * 2])  # type: ignore[list-item]
    path.write_bytes(jar_with(text))
    assert [f.code for f in check_one(path).findings] == ["MKT012"]


def test_crop_is_a_wrong_sized_full_image_gets_one_size_finding(tmp_path: Path) -> None:
    """A full image of the wrong size is a second mistake: one IMG010, as a highlight only."""
    from tests.builders import flat_image

    path = tmp_path / "app.jar"
    text = marketing(highlights=[*HIGHLIGHTS[:2], ("images/highlight3.png",) * 2])  # type: ignore[list-item]
    path.write_bytes(make_jar(**{MARKETING: text, "images/highlight3.png": flat_image(1230, 800)}))
    found = sorted((f.code, f.entry) for f in check_one(path).findings)
    assert found == [("IMG010", "images/highlight3.png"), ("MKT012", MARKETING)]
    [size] = [f for f in check_one(path).findings if f.code == "IMG010"]
    assert "highlight-cropped" not in size.message and "a highlight image" in size.message


# ---- robustness ---------------------------------------------------------------------------

# No example database: it would write .hypothesis/ into the work tree on every run.
PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ATTRIBUTE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"<&'), max_size=40
)


@settings(PROPERTY, max_examples=80)
@given(ATTRIBUTE_TEXT, ATTRIBUTE_TEXT, ATTRIBUTE_TEXT, ATTRIBUTE_TEXT)
def test_arbitrary_values_never_raise(name: str, low: str, high: str, image: str) -> None:
    text = marketing(
        compatibility=product(name, low, high),
        highlights=[(image, image), (image, low)],
        screenshots=[image],
    )
    for registered in RULES:
        if registered.code.startswith("MKT"):
            for problem in run_rule(registered.check, text):
                assert problem.message


# ---- many broken references, huge numbers ---------------------------------------------------


def test_missing_images_are_listed_then_summarised() -> None:
    shots = [f"images/shot{n}.png" for n in range(100)]
    files = (*(f"images/{n}" for n in ("logo.png", "banner.png")), "images/SHOT7.png")
    text = marketing(screenshots=shots)
    found = run_rule(rules.images_exist, text, files)
    # Six highlight images are missing too: 106 in all, 20 listed and one summary.
    assert len(found) == 21
    assert "and 86 more images" in found[-1].message and "'images/shot" in found[-1].message


def test_a_case_only_difference_is_still_suggested_among_many_entries(tmp_path: Path) -> None:
    extra = {f"other/file{n}.txt": b"" for n in range(2000)}
    files = {
        MARKETING: marketing(screenshots=["images/Screenshot1.png"]),
        **extra,
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    (finding,) = [f for f in check_one(path).findings if f.code == "MKT002"]
    assert "Did you mean 'images/screenshot1.png'" in finding.hint


DIGITS = "1" * 5000


@pytest.mark.parametrize(
    ("low", "high", "reversed_"),
    [(f"9.{DIGITS}", f"10.{DIGITS}", False), (f"10.{DIGITS}", f"9.{DIGITS}", True)],
)
def test_5000_digit_compatibility_versions_compare(
    low: str, high: str, reversed_: bool, tmp_path: Path
) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(jar_with(marketing(compatibility=product("jira", low, high))))
    result = check_one(path)  # no internal error: check_one asserts it
    found = [f for f in result.findings if f.code == "MKT004"]
    assert bool(found) is reversed_
    assert all(len(f.message) < 20_000 for f in found)
