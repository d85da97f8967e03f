"""A marketing descriptor with the wrong root element is reported once, as that: its other
rules do not read a document that is not a marketing descriptor."""

from __future__ import annotations

from pathlib import Path

from tests.builders import make_jar, plugin_files
from tests.rules.support import check_one, family_codes


def test_a_marketing_descriptor_with_the_wrong_root_is_only_mkt001(tmp_path: Path) -> None:
    wrong = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<atlassian-plugin>\n  <logo image="images/missing.png"/>\n  <highlights/>\n'
        "</atlassian-plugin>\n"
    )
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(plugin_files(**{"atlassian-plugin-marketing.xml": wrong})))
    result = check_one(path)
    assert family_codes(result, ("MKT",)) == {"MKT001"}
    [finding] = [f for f in result.findings if f.code == "MKT001"]
    assert finding.message == (
        "the root element is <atlassian-plugin> (expected <atlassian-plugin-marketing>)"
    )
