"""What the XML rules tell the user to do: rebuild an .obr, or fix the descriptor in the
source tree."""

from __future__ import annotations

from pathlib import Path

from tests.builders import make_jar, make_obr, plugin_files
from tests.rules.support import check_one

SPOT = " An XML-aware editor or `xmllint --noout` shows the spot."


def _xml001_hints(path: Path) -> list[tuple[str | None, str | None]]:
    return [(f.entry, f.hint) for f in check_one(path).findings if f.code == "XML001"]


def test_broken_obr_xml_is_fixed_by_rebuilding_the_obr(tmp_path: Path) -> None:
    path = tmp_path / "app.obr"
    path.write_bytes(make_obr(obr="<repository><resource></repository>"))
    assert _xml001_hints(path) == [
        (
            "obr.xml",
            "Rebuild the .obr with the Atlassian SDK (`atlas-package`), which writes obr.xml."
            + SPOT,
        )
    ]


def test_a_broken_descriptor_is_fixed_in_the_source_tree(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(plugin_files(**{"atlassian-plugin.xml": "<atlassian-plugin>"})))
    assert _xml001_hints(path) == [
        (
            "atlassian-plugin.xml",
            "Fix atlassian-plugin.xml in src/main/resources and rebuild." + SPOT,
        )
    ]
