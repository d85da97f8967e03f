"""Marketing descriptor rules (MKT): ``atlassian-plugin-marketing.xml``, the listing's assets.

The file is optional; these rules run only when it is present (in a built jar or a source
tree). The Marketplace matches the images it names to the logo, banner, highlight and
screenshot fields of the listing form, and reads the host products and versions the app is
compatible with. Whether the file parses at all is the XML rules' business.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assetcheck.api import (
    ERROR,
    WARNING,
    MarketingView,
    Problem,
    compare_versions,
    has_placeholder,
    normalise_ref,
    rule,
    rule_data,
)
from assetcheck.rules.descriptor import (
    MAX_FINDINGS,
    Suggestions,
    clip,
    example_refs,
)

ROOT = "atlassian-plugin-marketing"
HIGHLIGHTS = 3
BUILD_NUMBER = re.compile(r"\d+")


def products() -> dict[str, Any]:
    return rule_data("products.toml")


def _root(view: MarketingView) -> Any | None:
    """The root element, when it is ``<atlassian-plugin-marketing>`` (MKT001 reports others)."""
    root = view.root
    return root if root is not None and root.tag == ROOT else None


def _image_refs(root: Any) -> Iterator[tuple[Any, str, str]]:
    """(element, attribute, what it is) for every image the descriptor references."""
    for tag in ("logo", "banner"):
        for element in root.findall(tag):
            yield element, "image", f"the {tag}"
    for number, element in enumerate(root.findall("highlights/highlight"), 1):
        yield element, "image", f"highlight {number}"
        yield element, "cropped", f"highlight {number}'s cropped image"
    for number, element in enumerate(root.findall("screenshots/screenshot"), 1):
        yield element, "image", f"screenshot {number}"


@rule("MKT001", ERROR, MarketingView)
def wrong_root(view: MarketingView) -> Iterator[Problem]:
    """The marketing descriptor's root element is not ``<atlassian-plugin-marketing>``.

    The Marketplace then finds none of the assets it declares.

    Passing: ``<atlassian-plugin-marketing><logo image="images/logo.png"/>..``.
    Failing: ``<atlassian-plugin><logo image="images/logo.png"/>..`` (copied from the other
    descriptor).
    """
    root = view.root
    if root is not None and root.tag != ROOT:
        yield Problem(
            f"the root element is <{root.tag}> (expected <{ROOT}>)",
            hint=f"Make <{ROOT}> the outermost element of {view.entry}.",
            line=root.sourceline,
        )


@rule("MKT002", ERROR, MarketingView)
def images_exist(view: MarketingView) -> Iterator[Problem]:
    """An image the marketing descriptor references is not in the jar.

    Every reference is checked: the logo, the banner, each highlight and its cropped version,
    each screenshot. The Marketplace cannot fill a listing field from a file that is not there.
    Paths are relative to the jar's root (``src/main/resources`` in the source tree).

    Passing: ``<screenshot image="images/screenshot1.png"/>`` with that entry in the jar.
    Failing: the same element when the jar has only ``images/screenshot1.jpg``, or
    ``<logo image=""/>``.
    """
    root = _root(view)
    if root is None:
        return
    missing: list[tuple[Any, str, str, str]] = []  # (element, attribute, what, path)
    for element, attribute, what in _image_refs(root):
        value = element.get(attribute)
        if value is None or has_placeholder(value):
            continue  # an absent cropped image is MKT011's finding
        ref = normalise_ref(value)
        if not ref:
            yield Problem(
                f"{what} has an empty {attribute} attribute (expected the path of an image)",
                hint=f'Fill in the {attribute}="" attribute of <{element.tag}>, or remove the '
                "element.",
                line=element.sourceline,
            )
        elif not view.container.has(ref):
            missing.append((element, attribute, what, ref))
    suggestions = Suggestions(view.container)
    for element, attribute, what, ref in missing[:MAX_FINDINGS]:
        yield Problem(
            f"{what} is '{clip(ref)}', which does not exist (expected an image entry at that path)",
            hint=suggestions.hint(ref, f'the {attribute}="" attribute of <{element.tag}>'),
            line=element.sourceline,
        )
    rest = missing[MAX_FINDINGS:]
    if rest:
        yield Problem(
            f"and {len(rest):,} more images the marketing descriptor references do not exist: "
            f"{example_refs([ref for *_, ref in rest])} (expected image entries at those paths)",
            hint="Add the images under src/main/resources/, or fix the references' paths.",
            line=rest[0][0].sourceline,
        )


@rule("MKT003", WARNING, MarketingView)
def unknown_products(view: MarketingView) -> Iterator[Problem]:
    """A ``<compatibility>`` product is not a known host product name.

    The Marketplace ignores compatibility it cannot match to a product. Known names are data
    (``rules/data/products.toml``): jira, confluence, bamboo, bitbucket, crowd, fecru. A
    warning, because Atlassian can add products before this list learns them.

    Passing: ``<product name="jira" min="9.12.0" max="10.3.0"/>``.
    Failing: ``<product name="JIRA Software" .../>``, ``<product name="stash" .../>`` (now
    bitbucket), or a product without a name.
    """
    root = _root(view)
    if root is None:
        return
    data = products()
    known: list[str] = data["known"]
    renamed: dict[str, str] = data.get("renamed", {})
    expected = f"expected one of: {', '.join(known)}"
    for product in root.findall("compatibility/product"):
        name = product.get("name")
        if has_placeholder(name):
            continue
        if name is None or not name.strip():
            yield Problem(
                f"a compatibility <product> has no name ({expected})",
                hint='Write e.g. <product name="jira" min="9.12.0" max="10.3.0"/>.',
                line=product.sourceline,
            )
            continue
        if name in known:
            continue
        suggestion = renamed.get(name.lower()) or (
            name.strip().lower() if name.strip().lower() in known else None
        )
        if suggestion is not None:
            message = f"the compatibility product {name!r} should be written {suggestion!r}"
            hint = f'Write <product name="{suggestion}" .../>.'
        else:
            message = f"the compatibility product {name!r} is not a known product ({expected})"
            hint = (
                "Use the Marketplace's lower-case product key; if the product is new, add it to "
                "rules/data/products.toml."
            )
        yield Problem(message, hint=hint, line=product.sourceline)


def _comparable(low: str, high: str) -> bool:
    """Both version names or both build numbers: min and max may be either, not a mix."""
    return bool(BUILD_NUMBER.fullmatch(low)) == bool(BUILD_NUMBER.fullmatch(high))


@rule("MKT004", ERROR, MarketingView)
def min_above_max(view: MarketingView) -> Iterator[Problem]:
    """A compatibility product's ``min`` is above its ``max``, as UPM compares versions.

    Versions compare component by component, numerically first, then alphabetically (1.10 is
    above 1.9). A reversed range claims compatibility with no version at all. Build numbers
    are compared with build numbers only.

    Passing: ``<product name="jira" min="9.12.0" max="10.3.0"/>``.
    Failing: ``<product name="jira" min="7.0" max="4.4.1"/>`` (seen in a real app).
    """
    root = _root(view)
    if root is None:
        return
    for product in root.findall("compatibility/product"):
        low, high = (product.get("min") or "").strip(), (product.get("max") or "").strip()
        if not low or not high or has_placeholder(low) or has_placeholder(high):
            continue
        if _comparable(low, high) and compare_versions(low, high) > 0:
            yield Problem(
                f"the compatibility of {product.get('name')!r} has min {low} above max {high} "
                "(expected min at or below max)",
                hint="Swap min and max, or correct the version that is wrong.",
                line=product.sourceline,
            )


@rule("MKT010", WARNING, MarketingView)
def three_highlights(view: MarketingView) -> Iterator[Problem]:
    """The marketing descriptor does not declare exactly three highlights.

    "We require three highlights for every app" (Marketplace guidance, known from a copy); the
    declared ones fill the listing's three highlight fields in order. A warning, not an error:
    the requirement is on the listing, which can also get its highlights from the listing form,
    so the artifact itself is not rejected. A descriptor with no ``<highlights>`` at all
    declares none, as ``<highlights/>`` does.

    Passing: three ``<highlight image=".." cropped=".."/>`` elements.
    Failing: ``<highlights/>``, two highlights, or no ``<highlights>`` element.
    """
    root = _root(view)
    if root is None:
        return
    hint = (
        'Declare three <highlight image="images/hlN.png" cropped="images/hlN_cropped.png"/> '
        "elements inside <highlights>, in the order they should appear."
    )
    all_highlights = root.findall("highlights")
    if not all_highlights:
        yield Problem(
            f"no <highlights> (expected {HIGHLIGHTS} highlights: the Marketplace requires three "
            "for every app)",
            hint=hint,
            line=root.sourceline,
        )
    for highlights in all_highlights:
        count = len(highlights.findall("highlight"))
        if count != HIGHLIGHTS:
            yield Problem(
                f"<highlights> declares {count} highlight{'s' if count != 1 else ''} "
                f"(expected {HIGHLIGHTS}: the Marketplace requires three for every app)",
                hint=hint,
                line=highlights.sourceline,
            )


@rule("MKT011", ERROR, MarketingView)
def highlight_incomplete(view: MarketingView) -> Iterator[Problem]:
    """A highlight lacks its full image or its cropped version.

    Each highlight field of the listing takes both: the full screenshot (1840x900) and the
    cropped one (580x330) shown on the listing's cards ("each with its cropped version" in the
    SDK template: official text known from a copy, not a convention, so an error by default).
    Unlike the number of highlights (MKT010), nothing outside the descriptor completes a
    highlight it declares: the declaration itself is broken. Real apps ship highlights declared
    without crops.

    Passing: ``<highlight image="images/hl1.png" cropped="images/hl1_cropped.png"/>``.
    Failing: ``<highlight image="images/hl1.png"/>``.
    """
    root = _root(view)
    if root is None:
        return
    for number, highlight in enumerate(root.findall("highlights/highlight"), 1):
        for attribute, what in (("image", "full image"), ("cropped", "cropped version")):
            if highlight.get(attribute) is None:
                yield Problem(
                    f'highlight {number} has no {what} (expected both image=".." and '
                    'cropped=".." attributes)',
                    hint=f'Add {attribute}="images/..." to the <highlight> and put that image '
                    "in src/main/resources/images/.",
                    line=highlight.sourceline,
                )


@rule("MKT012", ERROR, MarketingView)
def cropped_is_full_image(view: MarketingView) -> Iterator[Problem]:
    """A highlight's cropped version is a full highlight image (its own or another's).

    The cropped image is a 580x330 detail, not the 1840x900 screenshot: the same file cannot be
    both sizes, so the listing's crop slot gets an image of the wrong size, which makes this an
    error. Seen in real apps, where the third highlight's ``cropped`` pointed at its full
    image. This rule is the one finding for it: the image rules check such an image as a
    highlight only, not again as a crop.

    Passing: ``<highlight image="images/hl3.png" cropped="images/hl3_cropped.png"/>``.
    Failing: ``<highlight image="images/hl3.png" cropped="images/hl3.png"/>``, or a crop that
    names highlight 1's full image.
    """
    root = _root(view)
    if root is None:
        return
    highlights = root.findall("highlights/highlight")
    full: dict[str, int] = {}  # a full image -> the first highlight it is the image of
    for number, highlight in enumerate(highlights, 1):
        image = highlight.get("image")
        if image is not None and not has_placeholder(image) and normalise_ref(image):
            full.setdefault(normalise_ref(image), number)
    for number, highlight in enumerate(highlights, 1):
        cropped = highlight.get("cropped")
        if cropped is None or has_placeholder(cropped):
            continue
        ref = normalise_ref(cropped)
        image = highlight.get("image")
        own = image is not None and not has_placeholder(image) and normalise_ref(image) == ref
        owner = number if own else full.get(ref)
        if owner is None:
            continue
        whose = "its own full image" if owner == number else f"highlight {owner}'s full image"
        yield Problem(
            f"highlight {number}'s cropped version is {whose} '{clip(ref)}', so the listing's "
            "580x330 crop slot gets the full highlight (expected a separate 580x330 crop; the "
            "image is checked as a highlight only)",
            hint="Make a 580x330 crop of the highlight, save it as e.g. "
            'images/hlN_cropped.png and point cropped=".." at it.',
            line=highlight.sourceline,
        )
