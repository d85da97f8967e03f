"""The good plugin, in every form, produces no finding at all, of any family."""

from pathlib import Path

import pytest

from tests.builders import make_jar, make_obr, source_files, write_tree
from tests.rules.support import check_one


def _jar(folder: Path) -> Path:
    path = folder / "app.jar"
    path.write_bytes(make_jar())
    return path


def _obr(folder: Path) -> Path:
    path = folder / "app.obr"
    path.write_bytes(make_obr())
    return path


def _source(folder: Path) -> Path:
    return write_tree(folder / "src/main/resources", source_files())


@pytest.mark.parametrize("build", [_jar, _obr, _source], ids=["jar", "obr", "source-tree"])
def test_good_plugin_has_no_findings(build, tmp_path: Path) -> None:
    assert check_one(build(tmp_path)).findings == []
