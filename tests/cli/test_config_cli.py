"""Project configuration through the command line: found, validated, layered, shown."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assetcheck.cli import main
from tests.builders import flat_image, source_files, write_tree

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED: dict[str, dict] = json.loads((SAMPLES / "expected.json").read_text())


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A project folder, made the current directory (as a CI job or a hook runs)."""
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def _findings(document: dict) -> list[dict]:
    return [dict(f, path=file["path"]) for file in document["files"] for f in file["findings"]]


def test_the_samples_config_gives_every_loose_image_its_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, document = _json(capsys, str(SAMPLES))
    assert code == 1
    images = {f["path"]: f for f in document["files"] if f["kind"] == "image"}
    assert len(images) == sum(1 for path in EXPECTED if path.startswith("images/"))
    for path, file in images.items():
        relative = Path(path).relative_to(SAMPLES).as_posix()
        assert file["image_type"] == EXPECTED[relative]["image_type"], path
        assert set(EXPECTED[relative]["codes"]) <= {f["code"] for f in file["findings"]}, path
    assert not [f for f in _findings(document) if f["code"] == "IMG050"]


def test_a_per_path_ignore_suppresses_only_matching_paths(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "legacy").mkdir()
    (project / "fresh").mkdir()
    for folder in ("legacy", "fresh"):
        (project / folder / "logo.png").write_bytes(flat_image(100, 100))
    (project / "assetcheck.toml").write_text(
        '[image-types]\n"logo.png" = "logo"\n[per-path-ignores]\n"legacy/**" = ["IMG010"]\n'
    )
    code, document = _json(capsys, ".")
    assert code == 1  # fresh/logo.png still fails
    by_path = {Path(f["path"]).parent.name: f for f in _findings(document)}
    assert by_path["legacy"]["suppressed"] == "per-path ignore legacy/**"
    assert by_path["fresh"]["suppressed"] is None
    assert document["summary"]["suppressed"] == 1 and document["summary"]["errors"] == 1
    assert main(["check", "legacy"]) == 0  # the suppressed finding fails nothing
    assert "(1 suppressed)" in capsys.readouterr().out


def test_a_severity_override_changes_the_verdict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "logo.png").write_bytes(flat_image(100, 100))
    (project / "assetcheck.toml").write_text('[image-types]\n"*.png" = "logo"\n')
    assert main(["check", "logo.png"]) == 1
    (project / "assetcheck.toml").write_text(
        '[image-types]\n"*.png" = "logo"\n[severity]\nIMG010 = "warning"\n'
    )
    capsys.readouterr()
    code, document = _json(capsys, "logo.png")
    assert code == 0
    assert [(f["code"], f["severity"]) for f in _findings(document)] == [("IMG010", "warning")]
    assert main(["check", "--fail-on", "warning", "logo.png"]) == 1


def test_a_custom_image_type_checks_its_own_sizes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "poster.png").write_bytes(flat_image(800, 600))
    (project / "assetcheck.toml").write_text(
        '[image-types]\n"poster*.png" = "poster"\n'
        '[image-type.poster]\nsizes = ["800x600"]\nformats = ["png"]\nstatus = "official"\n'
    )
    code, document = _json(capsys, "poster.png")
    assert code == 0, document
    assert document["files"][0]["image_type"] == "poster"
    assert "+assetcheck.toml" in document["tool"]["image_types_version"]
    (project / "poster.png").write_bytes(flat_image(640, 480))
    code, document = _json(capsys, "poster.png")
    assert code == 1
    assert "expected 800x600" in _findings(document)[0]["message"]


def test_an_unknown_key_exits_2_naming_file_and_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "logo.png").write_bytes(flat_image(144, 144))
    (project / "pyproject.toml").write_text("[tool.assetcheck]\nselekt = ['IMG']\n")
    assert main(["check", "logo.png"]) == 2
    error = capsys.readouterr().err
    assert "pyproject.toml: tool.assetcheck.selekt: unknown key (allowed: select" in error
    assert "Traceback" not in error


def test_integrity_codes_cannot_be_switched_off(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "logo.png").write_bytes(flat_image(144, 144)[:-30])  # cut short: IMG021
    (project / "assetcheck.toml").write_text(
        'ignore = ["IMG"]\n[image-types]\n"*.png" = "logo"\n'
        '[per-path-ignores]\n"**" = ["IMG"]\n[severity]\nIMG = "info"\n'
    )
    code, document = _json(capsys, "logo.png")
    assert code == 1
    (integrity,) = [f for f in _findings(document) if f["integrity"]]
    assert integrity["code"] == "IMG021"
    assert integrity["severity"] == "error" and integrity["suppressed"] is None


def test_config_and_isolated_choose_the_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "logo.png").write_bytes(flat_image(100, 100))
    (project / "assetcheck.toml").write_text('[image-types]\n"*.png" = "logo"\n')
    (project / "other.toml").write_text('[image-types]\n"*.png" = "banner"\n')
    assert _json(capsys, "logo.png")[1]["files"][0]["image_type"] == "logo"
    assert _json(capsys, "--config", "other.toml", "logo.png")[1]["files"][0]["image_type"] == (
        "banner"
    )
    assert _json(capsys, "--isolated", "logo.png")[1]["files"][0]["image_type"] is None
    assert main(["check", "--isolated", "--config", "other.toml", "logo.png"]) == 2


def test_command_line_options_replace_the_config(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "logo.png").write_bytes(flat_image(100, 100))
    (project / "assetcheck.toml").write_text(
        'select = ["IMG010"]\nfail-on = "warning"\n[image-types]\n"*.png" = "logo"\n'
    )
    _, document = _json(capsys, "--image-type", "banner", "--select", "IMG011", "logo.png")
    assert document["files"][0]["image_type"] == "banner"
    assert {f["code"] for f in _findings(document)} <= {"IMG011"}


def test_each_tree_uses_its_nearest_config(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_logo = flat_image(100, 100)
    for app in ("a", "b"):
        write_tree(
            project / app / "src/main/resources", source_files(**{"images/logo.png": bad_logo})
        )
    (project / "b/assetcheck.toml").write_text('ignore = ["IMG010"]\n')
    _, document = _json(capsys, ".")
    codes = {Path(f["path"]).parts[0]: set() for f in document["files"]}
    for finding in _findings(document):
        codes[Path(finding["path"]).parts[0]].add(finding["code"])
    assert "IMG010" in codes["a"] and "IMG010" not in codes["b"]


def test_config_command_shows_values_and_their_sources(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.assetcheck]\nfail-on = "warning"\n'
        '[tool.assetcheck.image-types]\n"m/*.png" = "logo"\n'
    )
    assert main(["config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(": pyproject.toml [tool.assetcheck]")
    row = {line.split(" = ")[0]: line for line in lines[1:]}
    assert row["fail-on"].split("#")[1].strip() == "pyproject.toml [tool.assetcheck]"
    assert row["ignore"].split("#")[1].strip() == "default"
    assert '"logo"' in row['image-types."m/*.png"']
    assert "100_000" in row["limits.max-entries"] and row["limits.max-entries"].endswith("default")
    assert main(["config", "--isolated"]) == 0
    assert "none found (defaults only)" in capsys.readouterr().out


def test_project_data_reaches_the_rules(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.builders import descriptor, make_jar

    (project / "app.jar").write_bytes(
        make_jar(**{"atlassian-plugin.xml": descriptor(name="Ultimate Helper")})
    )
    _, document = _json(capsys, "app.jar")
    assert "DSC006" not in {f["code"] for f in _findings(document)}
    (project / "assetcheck.toml").write_text('[data.listing]\nbanned_words = ["ultimate"]\n')
    _, document = _json(capsys, "app.jar")
    (finding,) = [f for f in _findings(document) if f["code"] == "DSC006"]
    assert "ultimate" in finding["message"].lower()


def test_a_per_path_ignore_reaches_entries_inside_an_artifact(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.builders import descriptor, make_jar

    (project / "target").mkdir()
    (project / "target/app.jar").write_bytes(
        make_jar(**{"atlassian-plugin.xml": descriptor(name="Ultimate Helper")})
    )
    (project / "assetcheck.toml").write_text(
        '[data.listing]\nbanned_words = ["ultimate"]\n'
        '[per-path-ignores]\n"target/*.jar!/atlassian-plugin.xml" = ["DSC006"]\n'
    )
    _, document = _json(capsys, "target/app.jar")
    (finding,) = [f for f in _findings(document) if f["code"] == "DSC006"]
    assert finding["suppressed"] == "per-path ignore target/*.jar!/atlassian-plugin.xml"
