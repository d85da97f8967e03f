"""Project configuration: where it is found, what it may say, and what it changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetcheck.config import ConfigError, find_config, load_config
from assetcheck.findings import Severity
from assetcheck.settings import Settings
from tests.catalogue import RULES


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _load(tmp_path: Path, text: str, name: str = "assetcheck.toml") -> Settings:
    config = load_config(_write(tmp_path / name, text), RULES)
    return config.settings(Settings())


# Discovery


def test_the_nearest_configuration_above_a_path_governs_it(tmp_path: Path) -> None:
    outer = _write(tmp_path / "assetcheck.toml", "")
    inner = _write(tmp_path / "app/assetcheck.toml", "")
    (tmp_path / "app/src/images").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    assert find_config(tmp_path / "app/src/images") == inner
    assert find_config(tmp_path / "app/src/images/logo.png") == inner
    assert find_config(tmp_path / "other") == outer


def test_a_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    ours = _write(tmp_path / "pyproject.toml", "[tool.assetcheck]\nignore = ['IMG050']\n")
    _write(tmp_path / "app/pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path / "app") == ours


def test_assetcheck_toml_wins_over_pyproject_in_one_folder(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[tool.assetcheck]\n")
    own = _write(tmp_path / "assetcheck.toml", "")
    assert find_config(tmp_path) == own


def test_pyproject_keys_live_under_tool_assetcheck(tmp_path: Path) -> None:
    settings = _load(tmp_path, "[tool.assetcheck]\nfail-on = 'warning'\n", "pyproject.toml")
    assert settings.fail_on is Severity.WARNING
    assert settings.root == tmp_path


# Validation: each error names the file, the key and what is allowed


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ("colour = true", "colour", "unknown key (allowed: select, ignore"),
        ("select = ['NOPE1']", "select", "'NOPE1' matches no rule code"),
        ("select = 7", "select", "expected a list of rule codes"),
        ("ignore = ['ZIP001']", "ignore", "integrity rules"),
        ("fail-on = 'info'", "fail-on", "expected error or warning"),
        ("[severity]\nDSC004 = 'fatal'", "severity.DSC004", "expected error, warning or info"),
        ("[severity]\nFILE001 = 'info'", "severity.FILE001", "integrity rules"),
        ("[per-path-ignores]\n'docs/**' = ['XYZ']", "per-path-ignores.'docs/**'", "matches no"),
        ("[per-path-ignores]\n'' = ['IMG']", "per-path-ignores.''", "not a valid gitignore"),
        ("[image-types]\n'*.png' = 'poster'", "image-types.'*.png'", "unknown image type 'poster'"),
        ("[image-type.poster]\nsizes = ['1x1']", "image-type", "formats must be a non-empty"),
        ("[image-type.logo]\nsizes = ['big']", "image-type", "is not a size like"),
        ("[limits]\nmax-entries = -1", "limits.max-entries", "expected a positive whole number"),
        ("[limits]\nmax-entrys = 5", "limits.max-entrys", "unknown limit (allowed: max-entries"),
        ("[limits]\nmax-entries = 10_000_000", "limits.max-entries", "16 times the default"),
        ("ledger = 3", "ledger", "expected a path"),
        ("base-url = 'ftp://x'", "base-url", "expected the Marketplace REST API root"),
    ],
)
def test_a_bad_value_names_file_key_and_what_is_allowed(
    tmp_path: Path, text: str, key: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'assetcheck.toml'}: {key}: "), message
    assert allowed in message


def test_pyproject_errors_name_the_dotted_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"pyproject.toml: tool\.assetcheck\.colour: unknown key"):
        _load(tmp_path, "[tool.assetcheck]\ncolour = 1\n", "pyproject.toml")


@pytest.mark.parametrize(
    "text",
    ["select = [", "x = 1\nx = 2", "[limits]\nmax-entries = " + "9" * 5000],
)
def test_a_file_that_is_not_toml_is_a_config_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        _load(tmp_path, text)


def test_a_huge_negative_number_is_refused_without_being_printed(tmp_path: Path) -> None:
    # tomllib reads up to Python's digit limit; the message must not try to print it all.
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, "[limits]\nmax-entries = -" + "9" * 4000)
    assert len(str(raised.value)) < 400


def test_a_prefix_covering_integrity_and_other_rules_may_be_ignored(tmp_path: Path) -> None:
    # ZIP holds integrity rules (ZIP001...) and others: ignoring it keeps the integrity ones.
    settings = _load(tmp_path, "ignore = ['ZIP']")
    assert settings.ignore == ("ZIP",)
    assert settings.selects("ZIP001", integrity=True)
    assert not settings.selects("ZIP020")


# What the values change


def test_values_are_laid_over_the_defaults(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        """
select = ["zip", "MF"]
fail-on = "warning"
[severity]
DSC004 = "error"
[per-path-ignores]
"legacy/**" = ["IMG010"]
[limits]
max-entries = 500
""",
    )
    assert settings.select == ("ZIP", "MF")
    assert settings.fail_on is Severity.WARNING
    assert settings.severity == {"DSC004": Severity.ERROR}
    assert [(i.pattern, i.codes) for i in settings.per_path_ignores] == [("legacy/**", ("IMG010",))]
    assert settings.limits.max_entries == 500
    assert settings.limits.max_image_pixels == Settings().limits.max_image_pixels


def test_image_type_globs_are_relative_to_the_config_and_first_match_wins(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        """
[image-types]
"marketing/**/logo-big*.png" = "banner"
"marketing/**/logo*.png" = "logo"
"/top.png" = "hero"
""",
    )
    assert settings.image_type_for(tmp_path / "marketing/a/b/logo.png") == "logo"
    assert settings.image_type_for(tmp_path / "marketing/logo-big.png") == "banner"
    assert settings.image_type_for(tmp_path / "marketing/other.png") is None
    assert settings.image_type_for(tmp_path / "top.png") == "hero"
    assert settings.image_type_for(tmp_path / "sub/top.png") is None  # anchored
    assert settings.image_type_for(tmp_path.parent / "marketing/logo.png") is None  # outside


def test_image_type_tables_add_and_override_types(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        """
[image-types]
"*.png" = "poster"
[image-type.poster]
sizes = ["800x600"]
formats = ["png"]
status = "official"
[image-type.logo]
sizes = ["256x256"]
""",
    )
    assert settings.image_types["poster"].sizes == ((800, 600),)
    assert settings.image_types["logo"].sizes == ((256, 256),)
    assert settings.image_types["logo"].formats == ("png", "jpeg")  # the rest stays
    assert settings.image_types_version is not None
    assert settings.image_types_version.endswith("assetcheck.toml")


def test_data_tables_extend_the_shipped_rule_data(tmp_path: Path) -> None:
    from assetcheck.ruledata import rule_data, using

    settings = _load(
        tmp_path, '[data.listing]\nbanned_words = ["Ultimate"]\nmax_name_length = 40\n'
    )
    with using(settings.rule_data):
        listing = rule_data("listing.toml")
    assert "Ultimate" in listing["banned_words"] and "plugin" in listing["banned_words"]
    assert listing["max_name_length"] == 40
    assert "Ultimate" not in rule_data("listing.toml")["banned_words"]  # outside: shipped only


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[data.nonesuch]\nx = 1", "data.nonesuch: no such data file"),
        ("[data.listing]\nbanned_words = 'x'", "data.listing.banned_words: expected a list"),
        ("[data.listing]\nbanned_wordz = ['x']", "data.listing.banned_wordz: unknown key"),
        ("[data.listing]\nmax_name_length = 'long'", "expected a int"),
        # Items added to a list must be like the shipped ones: a rule would crash on a number,
        # and an empty name matches everything.
        (
            "[data.windows_names]\nreserved = [1]",
            r"data\.windows_names\.reserved: 1 is not a str, as the shipped items are",
        ),
        ("[data.windows_names]\nreserved = ['  ']", "an empty text is not an item"),
        ("[data.listing]\nbanned_words = [['x']]", r"\['x'\] is not a str"),
    ],
)
def test_bad_data_tables_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        _load(tmp_path, text)
