"""The descriptor rules exactly: when two modules sharing a key apply together (DSC040), and what
a broken image param is told (DSC033): the file it probably meant, and how many are listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetcheck.report.model import FileReport
from tests.builders import descriptor, make_jar, plugin_files
from tests.rules.support import check_one


def _check(tmp_path: Path, text: str) -> FileReport:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(plugin_files(**{"atlassian-plugin.xml": text})))
    return check_one(path)


def _found(result: FileReport, code: str) -> list[tuple[str, str | None, int | None]]:
    return [(f.message, f.hint, f.line) for f in result.findings if f.code == code]


# ---- DSC040: duplicate module keys ------------------------------------------------------------


def _modules(*restrictions: tuple[str, str]) -> str:
    """Web items all keyed "k": each an (attributes, body) pair."""
    return "".join(
        f'\n    <web-item key="k" section="s"{attributes}>{body}</web-item>'
        for attributes, body in restrictions
    )


JIRA = ' application="jira"'


def _restrict(application: str = "jira", **attributes: str) -> tuple[str, str]:
    extra = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return "", f'<restrict application="{application}"{extra}/>'


@pytest.mark.parametrize(
    ("first", "second", "clash"),
    [
        (("", ""), ("", ""), True),
        (("", ""), (JIRA, ""), True),  # one applies everywhere
        ((JIRA, ""), ("", ""), True),
        ((JIRA, ""), (' application="confluence"', ""), False),
        ((JIRA, ""), (JIRA, ""), True),
        ((' application="confluence, jira"', ""), (JIRA, ""), True),
        ((' application="  "', ""), (JIRA, ""), True),  # no application named: everywhere
        (_restrict(version="[9,10)"), _restrict(version="[10,11)"), False),
        (_restrict(version="[9,10)"), _restrict(version="[9,10)"), True),
        (_restrict(version="[9,10)"), _restrict(), True),  # an unset version agrees with any
        (_restrict(), _restrict(version="[9,10)"), True),
        (_restrict(mode="local"), _restrict(mode="remote"), False),
        (_restrict(mode="local"), _restrict(), True),
        (_restrict(), _restrict(mode="local"), True),
        (_restrict(version="9", mode="local"), _restrict(version="9", mode="local"), True),
        (_restrict(version="9", mode="local"), _restrict(version="9", mode="remote"), False),
        (_restrict(version="9", mode="local"), _restrict(version="10", mode="local"), False),
        (_restrict(version="9"), _restrict(version="9", mode="local"), True),
        (_restrict(mode="local"), _restrict(version="9", mode="local"), True),
        (_restrict(version="9"), _restrict(mode="local"), True),  # each leaves one unset
        (_restrict(mode="local"), _restrict(version="9"), True),
        (_restrict(version="9"), _restrict(version="10"), False),
        (_restrict("confluence"), _restrict(version="9"), False),
        (("", '<restrict application="jira"><version>9</version></restrict>'),) * 2 + (True,),
        (
            ("", '<restrict application="jira"><version>9</version></restrict>'),
            ("", '<restrict application="jira"><version>10</version></restrict>'),
            False,
        ),
    ],
)
def test_modules_sharing_a_key_clash_only_where_they_apply_together(
    tmp_path: Path, first: tuple[str, str], second: tuple[str, str], clash: bool
) -> None:
    result = _check(tmp_path, descriptor(modules=_modules(first, second)))
    assert bool(_found(result, "DSC040")) is clash, result.findings


@pytest.mark.parametrize(("others", "tail"), [(5, ""), (6, " and 1 more"), (8, " and 3 more")])
def test_a_clash_names_the_first_module_and_five_others_then_counts_the_rest(
    tmp_path: Path, others: int, tail: str
) -> None:
    result = _check(tmp_path, descriptor(modules=_modules(*[("", "")] * (others + 1))))
    [(message, hint, line)] = _found(result, "DSC040")
    assert line is not None
    first = line - 1  # one module a line
    where = ", ".join(f"<web-item> on line {first + i}" for i in range(1, 6))
    assert message == (
        f"the module key 'k' of <web-item> on line {first} is used again by {others} modules "
        f"that apply with it: {where}{tail} (expected unique module keys)"
    )
    assert hint is not None and hint.startswith("Rename the modules' key attributes")


def test_a_single_clash_names_the_one_other_module(tmp_path: Path) -> None:
    result = _check(tmp_path, descriptor(modules=_modules(("", ""), ("", ""))))
    [(message, _, line)] = _found(result, "DSC040")
    assert line is not None
    assert message.startswith(
        f"the module key 'k' of <web-item> on line {line - 1} is used again by 1 module "
        "that applies with it: "
    )
    assert message.endswith(f": <web-item> on line {line} (expected unique module keys)")


# ---- DSC033: image params naming no file ------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "hint"),
    [
        (
            "images/pluginLogo.jpg",
            "Did you mean 'images/pluginLogo.png'? It exists; point the plugin-logo param at "
            "it, or rename the file.",
        ),
        (
            "images/PLUGINLOGO.PNG",
            "Did you mean 'images/pluginLogo.png'? It exists; point the plugin-logo param at "
            "it, or rename the file.",
        ),
        (
            "images.png/pluginLogo",
            "Add the image under src/main/resources/images.png/pluginLogo, or point the "
            "plugin-logo param at an existing image (paths are relative to the jar's root).",
        ),
        (
            "images/other.png",
            "Add the image under src/main/resources/images/other.png, or point the "
            "plugin-logo param at an existing image (paths are relative to the jar's root).",
        ),
    ],
)
def test_a_missing_image_param_suggests_the_file_it_probably_meant(
    tmp_path: Path, ref: str, hint: str
) -> None:
    overrides: dict[str, bytes | str | None] = {
        "atlassian-plugin.xml": descriptor(params={"plugin-logo": ref}),
        "images.png": b"not the logo",
    }
    files = plugin_files(**overrides)
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(files))
    [(message, said, _)] = _found(check_one(path), "DSC033")
    assert message == (
        f"the param plugin-logo points at '{ref}', which does not exist (expected an image "
        "entry at that path)"
    )
    assert said == hint


@pytest.mark.parametrize(
    ("ref", "shown"),
    [("a" * 56 + ".png", "a" * 56 + ".png"), ("a" * 57 + ".png", "a" * 57 + ".p…")],
)
def test_a_long_missing_path_is_clipped_at_sixty_characters(
    tmp_path: Path, ref: str, shown: str
) -> None:
    result = _check(tmp_path, descriptor(params={"plugin-logo": ref}))
    [(message, _, _)] = _found(result, "DSC033")
    assert message.startswith(f"the param plugin-logo points at '{shown}', which does not exist")


@pytest.mark.parametrize(("missing", "tail"), [(25, ""), (26, " and 1 more"), (27, " and 2 more")])
def test_twenty_missing_image_params_are_listed_then_the_rest_summed_up(
    tmp_path: Path, missing: int, tail: str
) -> None:
    refs = [f"images/missing{i}.png" for i in range(missing)]
    extra = "".join(f'\n        <param name="plugin-logo">{ref}</param>' for ref in refs)
    text = descriptor(params={"plugin-logo": None}).replace(
        "\n    </plugin-info>", extra + "\n    </plugin-info>"
    )
    found = _found(_check(tmp_path, text), "DSC033")
    assert len(found) == 21
    [(message, hint, line)] = [f for f in found if f[0].startswith("and ")]
    shown = ", ".join(f"'{ref}'" for ref in refs[20:25])
    assert message == (
        f"and {missing - 20} more image params point at files that do not exist: {shown}{tail} "
        "(expected image entries at those paths)"
    )
    assert hint == "Add the images under src/main/resources/, or fix the params' paths."
    lines = sorted(line for _, _, line in found if line is not None)
    assert line == lines[20]  # the first param not listed one by one
