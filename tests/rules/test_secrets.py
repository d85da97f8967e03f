"""The secrets rules (SEC): credentials in the text of a public download, found and masked."""

from __future__ import annotations

import base64
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetcheck.readers.zipreader import ZipArchive
from assetcheck.rules import secrets
from assetcheck.settings import Settings
from tests.builders import (
    fake_secret,
    gcp_key_file,
    make_jar,
    make_obr,
    make_zip,
    plugin_files,
    source_files,
    write_tree,
)
from tests.probe import measured_check
from tests.rules.support import Case, check_one, file_case, run_case

MiB = 1024 * 1024
SECRET = "s3cr3tValue9"


def _text(size: int) -> str:
    """Harmless text of about ``size`` bytes that does not compress like a zip bomb."""
    return "".join(f"v{i}: {i * 7919 % 100_003}\n" for i in range(size // 12))


def _jar_case(case_id: str, code: str, entry: str, text: str | bytes, **kwargs: object) -> Case:
    return file_case(case_id, code, make_jar(**{entry: text}), entry=entry, **kwargs)


def _tree_case(case_id: str, code: str, entry: str, text: str) -> Case:
    def build(folder: Path) -> Path:
        return write_tree(folder / "src/main/resources", source_files(**{entry: text}))

    return Case(case_id, code, build, entry=entry)  # the report prefixes the tree


def _bundled_case(case_id: str, code: str, text: str) -> Case:
    library = make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n", "conf.yml": text})
    data = make_jar(**{"META-INF/lib/client.jar": library})
    return file_case(case_id, code, data, entry="META-INF/lib/client.jar!/conf.yml")


CASES: list[Case] = [
    _jar_case("pem-private-key", "SEC001", "keys/signing.pem", fake_secret("private-key")),
    _jar_case(
        "private-key-in-properties",
        "SEC001",
        "signing.properties",
        "key=" + fake_secret("private-key").replace("\n", "\\n") + "\n",
    ),
    _jar_case(
        "aws-key-id", "SEC002", "config/app.properties", f"aws.id={fake_secret('aws-key-id')}\n"
    ),
    _jar_case(
        "aws-secret-unquoted",
        "SEC002",
        "credentials",
        f"[default]\naws_secret_access_key = {fake_secret('aws-secret')}\n",
    ),
    _jar_case("gcp-service-account", "SEC002", "gcp/key.json", gcp_key_file()),
    _jar_case("azure-storage", "SEC002", "azure.cfg", f"conn={fake_secret('azure')}\n"),
    _jar_case(
        "atlassian-token", "SEC003", "js/client.js", f'var t = "{fake_secret("atlassian")}";\n'
    ),
    _jar_case("github-token", "SEC003", "ci.yaml", f"token: {fake_secret('github')}\n"),
    _jar_case("slack-token", "SEC003", "notify.json", f'{{"slack": "{fake_secret("slack")}"}}\n'),
    _jar_case("stripe-key", "SEC003", "pay.ini", f"[stripe]\nkey = {fake_secret('stripe')}\n"),
    _bundled_case("token-in-bundled-jar", "SEC003", f"token: {fake_secret('github')}\n"),
    _tree_case("token-in-source-tree", "SEC003", "js/api.js", f'k = "{fake_secret("atlassian")}"'),
    _jar_case("properties-password", "SEC004", "db.properties", f"db.password={SECRET}\n"),
    _jar_case("changeme-is-reported", "SEC004", "db.properties", "db.password=changeme\n"),
    _jar_case("json-api-key", "SEC004", "settings.json", f'{{"apiKey": "{SECRET}"}}\n'),
    _jar_case("maven-settings-xml", "SEC004", "settings.xml", f"<password>{SECRET}</password>"),
    _tree_case("source-tree-password", "SEC004", "app.properties", f"smtp.password={SECRET}\n"),
    _jar_case("url-password", "SEC005", "repo.txt", "url=https://deploy:hunter2x@repo.acme.com/\n"),
    _jar_case("dotenv", "SEC010", ".env", "DB_HOST=localhost\n"),
    _jar_case("dotenv-production", "SEC010", "config/.env.production", "X=1\n"),
    _tree_case("dotenv-in-source-tree", "SEC010", ".env", "X=1\n"),
    file_case("entry-over-a-mebibyte", "SEC090", make_jar(**{"big.json": _text(2 * MiB)})),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def _token_bytes() -> bytes:
    return fake_secret("github").encode()


def _sec(folder: Path, files: dict[str, str | bytes]) -> list:
    path = folder / "app.jar"
    path.write_bytes(make_jar(**files))
    return [f for f in check_one(path).findings if f.code.startswith("SEC")]


# ---- what is not a secret ------------------------------------------------------------------

NOT_SECRETS: dict[str, dict[str, str | bytes]] = {
    "maven-placeholder": {"db.properties": "db.password=${db.password}\n"},
    "other-templates": {
        "t.properties": "a.password={{ pw }}\nb.password=@db.pw@\nc.password=<password>\n"
        "d.password=$DB_PASSWORD\ne.password=%DB_PASSWORD%\nf.password=\n"
    },
    "i18n-messages": {
        "i18n/helper.properties": "helper.password.label=Password\n"
        "helper.password.error=The password you entered is wrong\n"
        "helper.secret.desc=Your secret is safe with us\n"
    },
    "aws-documented-example": {"a.properties": "aws.id=AKIAIOSFODNN7EXAMPLE\n"},
    "pem-header-named-in-docs": {
        "README.txt": "Paste the block that starts with -----BEGIN RSA PRIVATE KEY----- here.\n"
    },
    "public-certificate": {
        "certs/ca.pem": "-----BEGIN CERTIFICATE-----\n"
        + "MIIB" * 16
        + "\n-----END CERTIFICATE-----\n"
    },
    "dotenv-example": {".env.example": "DB_PASSWORD=\nAPI_KEY=your_api_key\n"},
    "token-in-a-class-file": {
        "com/acme/Keys.class": b"\xca\xfe\xba\xbe" + fake_secret("github").encode()
    },
    "binary-named-txt": {"data.txt": b"\x00\x01" + fake_secret("github").encode() + b"\x00" * 100},
    "keyword-in-minified-bundle": {
        "js/vendor.min.js": 'var a={password:"' + SECRET + '"};' + "x" * 5000 + "\n"
    },
    "url-without-password": {"a.properties": "url=https://repo.acme.com/x\nmail=a@b.example\n"},
    "unlisted-suffix": {"notes.bin-data": f"password={SECRET}\n"},
}


@pytest.mark.parametrize("files", NOT_SECRETS.values(), ids=list(NOT_SECRETS))
def test_what_is_not_a_secret_passes(files: dict[str, str | bytes], tmp_path: Path) -> None:
    assert _sec(tmp_path, files) == []


def test_a_token_in_a_minified_bundle_is_still_found(tmp_path: Path) -> None:
    """Minified bundles get the token patterns over their whole text, past 4 KiB."""
    text = "x" * 50_000 + f'var t="{fake_secret("atlassian")}";' + "y" * 50_000
    found = _sec(tmp_path, {"js/app.min.js": text})
    assert [(f.code, f.line) for f in found] == [("SEC003", 1)]


def test_the_good_plugin_in_every_form_has_no_secrets_finding(tmp_path: Path) -> None:
    jar, obr = tmp_path / "a.jar", tmp_path / "a.obr"
    jar.write_bytes(make_jar())
    obr.write_bytes(make_obr())
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    for path in (jar, obr, tree):
        assert not [f for f in check_one(path).findings if f.code.startswith("SEC")]


# ---- findings: where, and never the secret ---------------------------------------------------


def test_a_finding_names_entry_and_line_and_masks_the_secret(tmp_path: Path) -> None:
    token = fake_secret("aws-secret")
    text = f"# credentials\n\naws_secret_access_key = {token}\n"
    (finding,) = _sec(tmp_path, {"conf/aws.ini": text})
    assert (finding.code, finding.entry, finding.line) == ("SEC002", "conf/aws.ini", 3)
    assert f"aws_secret_access_key = {token[:4]}…(40 chars)" in finding.message
    assert token[:5] not in finding.message and token not in (finding.hint or "")


@pytest.mark.parametrize("kind", ["github", "atlassian", "slack", "stripe", "aws-key-id"])
def test_no_finding_shows_more_than_four_characters_of_a_token(kind: str, tmp_path: Path) -> None:
    token = fake_secret(kind)
    (finding,) = _sec(tmp_path, {"a.yml": f"value: {token}\n"})
    assert token[:4] in finding.message and token[:5] not in finding.message


def test_a_short_password_shows_fewer_characters(tmp_path: Path) -> None:
    (finding,) = _sec(tmp_path, {"a.properties": "admin.password=hunter22\n"})
    assert "admin.password = hu…(8 chars)" in finding.message
    assert "hun" not in finding.message


def test_a_url_password_is_masked_inside_its_url(tmp_path: Path) -> None:
    (finding,) = _sec(tmp_path, {"a.txt": "see https://deploy:hunter2x@repo.acme.com/\n"})
    assert "https://deploy:hu…(8 chars)@" in finding.message
    assert "hunter" not in finding.message


def test_a_gcp_key_file_is_one_cloud_key_finding_not_also_a_private_key(tmp_path: Path) -> None:
    found = _sec(tmp_path, {"key.json": gcp_key_file()})
    assert [(f.code, f.line) for f in found] == [("SEC002", 5)]


def test_a_line_with_a_cloud_key_is_not_also_a_keyword_warning(tmp_path: Path) -> None:
    found = _sec(tmp_path, {"a.ini": f"aws_secret_access_key={fake_secret('aws-secret')}\n"})
    assert [f.code for f in found] == ["SEC002"]


def test_one_entry_with_a_thousand_secrets_lists_ten_and_counts_the_rest(tmp_path: Path) -> None:
    text = "".join(f"user{i}.password=Pw{i:04d}xyz\n" for i in range(1000))
    found = _sec(tmp_path, {"users.properties": text})
    assert len(found) == secrets.SHOWN + 1
    assert [f.line for f in found[: secrets.SHOWN]] == list(range(1, secrets.SHOWN + 1))
    summary = found[-1]
    assert summary.line is None and summary.entry == "users.properties"
    assert "990 more of these in this entry (lines 11, 12, 13, 14, 15 and 985 more)" in (
        summary.message
    )


def test_past_a_thousand_secrets_in_one_entry_its_scan_stops_and_says_so(tmp_path: Path) -> None:
    text = "".join(f"user{i}.password=Pw{i:04d}xyz\n" for i in range(1500))
    found = _sec(tmp_path, {"users.properties": text})
    assert [f.code for f in found] == ["SEC004"] * (secrets.SHOWN + 1) + ["SEC090"]
    assert f"at least {secrets.MAX_HITS - secrets.SHOWN} more of these" in found[-2].message
    assert "1 entries were scanned only in part (users.properties)" in found[-1].message


def test_a_project_can_add_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{"a.properties": "db.password=PleaseSetMe\n"}))
    data = {"secrets": {"placeholders": ["pleasesetme"]}}
    assert "SEC004" in {f.code for f in check_one(path).findings}
    assert "SEC004" not in {f.code for f in check_one(path, rule_data=data).findings}


def test_a_project_can_add_entries_to_scan(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{"deploy.tpl": f"token: {fake_secret('github')}\n"}))
    assert "SEC003" not in {f.code for f in check_one(path).findings}
    data = {"secrets": {"scan-suffixes": [".tpl"]}}
    assert "SEC003" in {f.code for f in check_one(path, rule_data=data).findings}


# ---- bounds -----------------------------------------------------------------------------


def test_only_the_first_mebibyte_of_an_entry_is_scanned_and_that_is_said(tmp_path: Path) -> None:
    token = fake_secret("github")
    text = f"t: {token}\n" + _text(MiB) + f"u: {fake_secret('stripe')}\n"
    found = _sec(tmp_path, {"big.yml": text})
    assert [f.code for f in found] == ["SEC003", "SEC090"]
    assert "1 entries were scanned only in part (big.yml)" in found[1].message


def test_past_the_budget_of_one_file_entries_are_named_as_not_scanned(tmp_path: Path) -> None:
    """32 MiB of text is read for one file, bundled jars included; the rest is listed."""
    files: dict[str, str | bytes] = {f"data/{i:02d}.txt": _text(MiB) for i in range(33)}
    files["data/zz-last.txt"] = f"token: {fake_secret('github')}\n"
    found = _sec(tmp_path, files)
    assert [f.code for f in found] == ["SEC090"]
    assert "entries were not scanned: the text budget for one file was spent" in found[0].message
    assert "data/zz-last.txt" in found[0].message


def test_the_text_budget_is_shared_with_the_bundled_jars(tmp_path: Path) -> None:
    bundle = make_zip({f"d/{i:02d}.txt": _text(MiB) for i in range(33)})
    found = _sec(
        tmp_path, {"META-INF/lib/big.jar": bundle, "late.yml": f"t: {fake_secret('github')}\n"}
    )
    assert [f.code for f in found] == ["SEC090"], found  # late.yml's token was not read
    assert "6 entries were not scanned" in found[0].message
    assert "META-INF/lib/big.jar!/d/32.txt" in found[0].message


def test_each_text_entry_is_inflated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan reads what the documents read from their cache, and the container rules do not
    inflate again what the scan streamed."""
    streamed: list[tuple[int, str]] = []
    original = ZipArchive.iter_entry

    def counting(self: ZipArchive, entry):  # type: ignore[no-untyped-def]
        streamed.append((id(self), entry.name))
        return original(self, entry)

    monkeypatch.setattr(ZipArchive, "iter_entry", counting)
    bundle = make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n", "b.yml": "a: b\n"})
    files = plugin_files(**{"a.properties": "x=1\n", "META-INF/lib/b.jar": bundle})
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(files))
    check_one(path)
    names = [name for _, name in streamed]
    for name in (
        "a.properties",
        "atlassian-plugin.xml",
        "b.yml",
        "META-INF/spring/plugin-context.xml",
    ):
        assert name in names
    assert len(streamed) == len(set(streamed)), sorted(streamed)


def test_without_the_secrets_rules_nothing_is_read_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assetcheck.views import TextEntriesView

    def refuse(*args: object) -> None:
        raise AssertionError("read for the secrets rules")

    monkeypatch.setattr(TextEntriesView, "read_head", refuse)
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar())
    assert check_one(path, ignore=("SEC",)).findings == []


# ---- hostile text, in a fresh interpreter: bounded time and memory ---------------------------

SECONDS = 10
PEAK_MB = 300


def _noise(size: int, line: int = 76) -> bytes:
    """Random base64 text in lines of ``line`` characters: it compresses about 4:3, so no zip
    limit stops it before the secrets rules see it."""
    data = base64.b64encode(random.Random(size).randbytes(size * 3 // 4))
    return b"\n".join(data[i : i + line] for i in range(0, len(data), line)) + b"\n"


def _big_entry() -> bytes:
    return make_jar(**{"data/catalog.json": _noise(50 * MiB)})


def _million_lines() -> bytes:
    return make_jar(**{"lines.txt": _noise(3_000_000, line=2)})


def _huge_line() -> bytes:
    line = _token_bytes() + b"=" + _noise(20 * MiB, line=30 * MiB)
    return make_jar(**{"one-line.js": line})


def _binary_claiming_text() -> bytes:
    text = (f"password={SECRET}\n" + fake_secret("github") + "\n").encode() * 100_000
    return make_jar(**{"readme.txt": b"\x00\xff" * 512 + text + _noise(MiB)})


def _keyword_dense() -> bytes:
    """Words made of keywords, quotes and assignments: the shapes that make detect-secrets'
    keyword patterns slow, in every one of 30 entries."""
    line = ('passwordsecretpassword"' * 40 + "\n") + "password=" * 60 + "\n" + "a\n" * 30
    return make_jar(**{f"conf/{i:02d}.js": line * 300 for i in range(30)})


HOSTILE: dict[str, tuple[Callable[[], bytes], set[str]]] = {
    "50mb-entry": (_big_entry, {"SEC090"}),
    "million-lines": (_million_lines, {"SEC090"}),
    "huge-single-line": (_huge_line, {"SEC003", "SEC090"}),
    "binary-claiming-text": (_binary_claiming_text, set()),
    "keyword-dense": (_keyword_dense, {"SEC090"}),  # the keyword check stopped, and says so
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_gets_a_bounded_verdict(name: str, tmp_path: Path) -> None:
    build, expected = HOSTILE[name]
    path = tmp_path / f"{name}.jar"
    path.write_bytes(build())
    verdict = measured_check(path)
    assert {c for c in verdict["codes"] if c.startswith("SEC")} == expected, verdict
    assert verdict["seconds"] < SECONDS, verdict
    assert verdict["peak_mb"] < PEAK_MB, verdict


def test_a_large_app_of_many_text_entries_is_scanned_in_bounds(tmp_path: Path) -> None:
    """5,000 text entries of 10 KB (48 MiB of text): 32 MiB scanned, the rest named."""
    entry = ("helper.label.%d=Some label text for the panel\n" * 220).encode()
    files: dict[str, str | bytes] = {
        f"i18n/p{i:04d}.properties": entry.replace(b"%d", str(i).encode()) for i in range(5000)
    }
    path = tmp_path / "large.jar"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    verdict = measured_check(path)
    assert "SEC090" in verdict["codes"], verdict
    assert verdict["seconds"] < SECONDS, verdict
    assert verdict["peak_mb"] < PEAK_MB, verdict


def test_settings_default_allows_the_text_rules() -> None:
    assert Settings().selects("SEC001", integrity=False)


def test_a_tree_found_from_changed_files_scans_the_text_of_those_files(tmp_path: Path) -> None:
    """A commit adds its changed files: an unchanged file's secret was found when it changed,
    and a commit that changes one image reads no text (nor loads the secret patterns)."""
    from assetcheck.engine import check_target
    from assetcheck.targets import Target
    from tests.builders import source_files, write_tree
    from tests.catalogue import RULES

    files = source_files()
    files["db.properties"] = f"db.password={SECRET}\n"
    root = write_tree(tmp_path / "src/main/resources", files)
    image = next(root.rglob("*.png"))

    def sec(changed: set[Path]) -> list[str]:
        target = Target(root, "source", changed=frozenset(changed))
        report = check_target(target, Settings(), RULES)
        return [f.code for f in report.findings if f.code.startswith("SEC")]

    assert sec(set()) == ["SEC004"]  # the whole tree
    assert sec({root / "db.properties"}) == ["SEC004"]
    assert sec({image}) == []


_MAILCHIMP_PIECES = ["a", "9", "-us", "-US", "-u", "s", "1", "12", "-", "x" * 31, "b" * 32, " "]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MAILCHIMP_PIECES), max_size=12).map("".join))
def test_an_anchored_pattern_finds_what_its_regex_finds(text: str) -> None:
    """A pattern tried only where its needle sits finds every match the regex scan finds."""
    [pattern] = [p for p in secrets._token_patterns() if p.anchor is not None]
    lowered = secrets._lowered(text)
    assert [m.span() for m in pattern.finditer(text, lowered)] == [
        m.span() for m in pattern.regex.finditer(text)
    ]


def test_every_anchor_is_where_the_needle_is_in_a_match() -> None:
    from detect_secrets.plugins.mailchimp import MailchimpDetector

    [pattern] = [p for p in secrets._token_patterns() if p.anchor is not None]
    assert pattern.regex is MailchimpDetector.denylist[0]
    sample = "0123456789abcdef0123456789abcdef-us12"
    match = pattern.regex.fullmatch(sample)
    assert match is not None and sample.index(pattern.needle) == pattern.anchor
