"""Names that extract wrongly or display as another: ZIP022's control, bidirectional and
invisible characters, ZIP027's Windows names, and ZIP021's collisions by case or Unicode
normalisation."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import pytest

from tests import hostile
from tests.builders import make_zip
from tests.rules.support import Case, check_one, file_case, run_case

MANIFEST = "META-INF/MANIFEST.MF"
NFC = unicodedata.normalize("NFC", "café.txt")
NFD = unicodedata.normalize("NFD", "café.txt")

CASES: list[Case] = [
    file_case(
        "windows-device-name",
        "ZIP027",
        hostile.with_names([MANIFEST, "images/aux.png"]),
        entry="images/aux.png",
        only=True,
    ),
    file_case(
        "bidi-override",
        "ZIP022",
        hostile.with_names([MANIFEST, "invoice\u202efdp.exe"]),
        entry="invoice\\u202efdp.exe",
        only=True,
    ),
    file_case(
        "nfc-nfd-collision",
        "ZIP021",
        hostile.with_names([MANIFEST, NFC, NFD]),
        entry=min(NFC, NFD),
        only=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def _findings(
    tmp_path: Path, names: list[str], code: str, **settings: object
) -> list[tuple[str | None, str]]:
    path = tmp_path / "app.jar"
    path.write_bytes(make_zip(dict.fromkeys([MANIFEST, *names], "x"), directories=False))
    return [(f.entry, f.message) for f in check_one(path, **settings).findings if f.code == code]


def _device(segment: str, device: str) -> str:
    return (
        f"unsafe entry name on Windows: '{segment}' names the device {device}: Windows opens "
        "the device, not a file, for this name in any case and with any extension"
    )


def _trailing(segment: str, kept: str) -> str:
    return (
        f"unsafe entry name on Windows: '{segment}' ends in a dot or a space, which Windows "
        f"drops (it writes '{kept}')"
    )


def _forbidden(segment: str, char: str) -> str:
    return (
        f"unsafe entry name on Windows: '{segment}' contains '{char}', which Windows does not "
        "allow in a file name"
    )


def _colon(segment: str, file: str, stream: str) -> str:
    return (
        f"unsafe entry name on Windows: '{segment}' contains ':', which NTFS reads as an "
        f"alternate data stream (the hidden stream '{stream}' of the file '{file}')"
    )


# ---- ZIP027: names Windows cannot extract as they are ------------------------------------


WINDOWS_NAMES = [
    ("NUL.txt", "NUL.txt", [_device("NUL.txt", "NUL")]),
    ("images/aux.png", "images/aux.png", [_device("aux.png", "AUX")]),
    ("CON", "CON", [_device("CON", "CON")]),
    ("data/prn.tar.gz", "data/prn.tar.gz", [_device("prn.tar.gz", "PRN")]),
    ("lib/com9/x.jar", "lib/com9/x.jar", [_device("com9", "COM9")]),
    ("Lpt1", "Lpt1", [_device("Lpt1", "LPT1")]),
    ("com/acme/Con.class", "com/acme/Con.class", [_device("Con.class", "CON")]),
    ("lpt\u00b2.txt", "lpt\\xb2.txt", [_device("lpt\\xb2.txt", "LPT\\xb2")]),
    ("aux ", "aux ", [_device("aux ", "AUX"), _trailing("aux ", "aux")]),
    ("NUL .txt", "NUL .txt", [_device("NUL .txt", "NUL")]),
    ("lib/con  .tar.gz", "lib/con  .tar.gz", [_device("con  .tar.gz", "CON")]),
    ("readme.txt.", "readme.txt.", [_trailing("readme.txt.", "readme.txt")]),
    ("notes /a.txt", "notes /a.txt", [_trailing("notes ", "notes")]),
    ("run.jsp. ", "run.jsp. ", [_trailing("run.jsp. ", "run.jsp")]),
    ("logo.png:hidden", "logo.png:hidden", [_colon("logo.png:hidden", "logo.png", "hidden")]),
    ("a/b:c/d.txt", "a/b:c/d.txt", [_colon("b:c", "b", "c")]),
    ("C:foo:bar", "C:foo:bar", [_colon("foo:bar", "foo", "bar")]),
    ("help/what?.html", "help/what?.html", [_forbidden("what?.html", "?")]),
    ("a/b*c/d.txt", "a/b*c/d.txt", [_forbidden("b*c", "*")]),
    ('say"hi".txt', 'say"hi".txt', [_forbidden('say"hi".txt', '"')]),
    ("x<y>.txt", "x<y>.txt", [_forbidden("x<y>.txt", "<")]),
    ("lib/a|b.jar", "lib/a|b.jar", [_forbidden("a|b.jar", "|")]),
    ("nul?.txt", "nul?.txt", [_forbidden("nul?.txt", "?")]),
]


@pytest.mark.parametrize(
    ("name", "entry", "messages"),
    WINDOWS_NAMES,
    ids=[ascii(name)[1:-1] for name, _, _ in WINDOWS_NAMES],
)
def test_a_name_windows_cannot_extract_says_why(
    tmp_path: Path, name: str, entry: str, messages: list[str]
) -> None:
    assert _findings(tmp_path, [name], "ZIP027") == [(entry, m) for m in messages]


@pytest.mark.parametrize(
    "name",
    [
        "META-INF/",
        "com/acme/Console.class",
        "com/acme/Connector$1.class",
        "conf/app.properties",
        "js/auxiliary.js",
        "nullable.txt",
        "lib/com10/x.jar",
        "lib/lpt0.txt",
        "icon.aux",
        "my.con.txt",
        "prn_1.txt",
        "com/acme/Outer$Inner.class",
        "docs/a#b&c+d=e.txt",
        "nul x.txt",
        "a/./b.txt",
        ".hidden",
        "images/.keep",
        "i18n/café.properties",
        "C:drive.txt",
        "x/../y.txt",
    ],
)
def test_a_legitimate_name_is_not_a_windows_name(tmp_path: Path, name: str) -> None:
    assert _findings(tmp_path, [name], "ZIP027") == []


def test_a_drive_letter_stays_zip022_alone(tmp_path: Path) -> None:
    assert _findings(tmp_path, ["C:drive.txt"], "ZIP022") == [
        ("C:drive.txt", "unsafe entry name: it starts with a drive letter")
    ]


def test_a_project_adds_reserved_names_in_its_data(tmp_path: Path) -> None:
    extra = {"windows_names": {"reserved": ["CONIN$"]}}
    assert _findings(tmp_path, ["conin$.txt"], "ZIP027") == []
    assert _findings(tmp_path, ["conin$.txt"], "ZIP027", rule_data=extra) == [
        ("conin$.txt", _device("conin$.txt", "CONIN$"))
    ]


def test_a_windows_name_only_in_the_unicode_path_field(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(hostile.unicode_path("readme.txt", "NUL.txt"))
    found = [f for f in check_one(path).findings if f.code == "ZIP027"]
    assert [(f.entry, f.message) for f in found] == [
        (
            "readme.txt",
            "unsafe entry name in the Unicode Path extra field (0x7075) on Windows: "
            "'NUL.txt' names the device NUL: Windows opens the device, not a file, for this "
            "name in any case and with any extension",
        )
    ]


def test_a_windows_name_in_a_nested_jar_is_chained(tmp_path: Path) -> None:
    inner = hostile.with_names([MANIFEST, "NUL.txt"])
    path = tmp_path / "app.jar"
    path.write_bytes(make_zip({MANIFEST: "x", "META-INF/lib/inner.jar": inner}))
    assert [f.entry for f in check_one(path).findings if f.code == "ZIP027"] == [
        "META-INF/lib/inner.jar!/NUL.txt"
    ]


# ---- ZIP022: C1 controls and bidirectional formatting characters -------------------------


@pytest.mark.parametrize("char", ["\x80", "\x85", "\x9b", "\x9f"])
def test_a_c1_control_is_a_control_character(tmp_path: Path, char: str) -> None:
    shown = f"\\x{ord(char):02x}"
    assert _findings(tmp_path, [f"a{char}b.txt"], "ZIP022") == [
        (f"a{shown}b.txt", "unsafe entry name: it contains control characters")
    ]


BIDI = [
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("char", BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_a_bidirectional_formatting_character_is_named(tmp_path: Path, char: str) -> None:
    code = f"{ord(char):04X}"
    assert _findings(tmp_path, [f"evil{char}gnp.js"], "ZIP022") == [
        (
            f"evil\\u{code.lower()}gnp.js",
            f"unsafe entry name: it contains the bidirectional formatting character U+{code} "
            f"({unicodedata.name(char)}), which makes it display as another name",
        )
    ]


INVISIBLE = ["\u00ad", "\u200b", "\u2060", "\ufeff", "\u3164", "\U000e0041", "\u2065"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_an_invisible_character_is_named(tmp_path: Path, char: str) -> None:
    name = f"logo{char}.png"
    described = unicodedata.name(char, "unassigned")
    assert _findings(tmp_path, [name], "ZIP022") == [
        (
            name.encode("unicode_escape").decode("ascii"),
            f"unsafe entry name: it contains the invisible character U+{ord(char):04X} "
            f"({described}), which makes it display as another name",
        )
    ]


@pytest.mark.parametrize("char", ["\u2028", "\u2029"], ids=["U+2028", "U+2029"])
def test_a_line_or_paragraph_separator_is_a_control_character(tmp_path: Path, char: str) -> None:
    assert _findings(tmp_path, [f"a{char}ok.txt"], "ZIP022") == [
        (f"a\\u{ord(char):04x}ok.txt", "unsafe entry name: it contains control characters")
    ]


def test_a_bidirectional_character_only_in_the_unicode_path_field(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(hostile.unicode_path("readme.txt", "evil\u202egnp.js"))
    found = [f for f in check_one(path).findings if f.code == "ZIP022"]
    assert [(f.entry, f.message) for f in found] == [
        (
            "readme.txt",
            "unsafe entry name in the Unicode Path extra field (0x7075): 'evil\\\\u202egnp.js' "
            "contains the bidirectional formatting character U+202E (RIGHT-TO-LEFT OVERRIDE), "
            "which makes it display as another name",
        )
    ]


@pytest.mark.parametrize(
    "name",
    [
        "i18n/café.properties",
        "i18n/עברית.properties",
        "i18n/العربية.properties",
        "nbsp\u00a0name.txt",
        "emoji\u200d.txt",
        "i18n/\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.properties",
        "heart\u2764\ufe0f.txt",
        "i18n/\u182a\u1820\u1822\u180e\u1820.properties",
        "META-INF/",
    ],
    ids=[
        "latin",
        "hebrew",
        "arabic",
        "nbsp",
        "zwj",
        "zwnj",
        "variation-selector",
        "mongolian",
        "folder",
    ],
)
def test_a_legitimate_unicode_name_is_not_unsafe(tmp_path: Path, name: str) -> None:
    assert _findings(tmp_path, [name], "ZIP022") == []


# ---- ZIP021: collisions by case folding or Unicode normalisation -------------------------

NORMALISATION = "differs only in Unicode normalisation (composed and decomposed characters)"


@pytest.mark.parametrize(
    ("names", "entry", "message"),
    [
        (
            [NFC, NFD],
            NFD,
            f"{NORMALISATION} from 'caf\\xe9.txt' (this name is 'cafe\\u0301.txt')",
        ),
        (["Straße.txt", "strasse.txt"], "Straße.txt", "differs only in case from 'strasse.txt'"),
        (["\ufb01le.txt", "file.txt"], "file.txt", "differs only in case from 'ﬁle.txt'"),
        (
            [NFC, unicodedata.normalize("NFD", "CAFÉ.TXT")],
            "CAFE\u0301.TXT",
            "differs only in case and in Unicode normalisation from 'caf\\xe9.txt' "
            "(this name is 'CAFE\\u0301.TXT')",
        ),
        (
            [NFC, NFD, "CAFÉ.txt"],
            "CAFÉ.txt",
            "differs only in case from 'caf\\xe9.txt'; differs only in case and in Unicode "
            "normalisation from 'cafe\\u0301.txt' (this name is 'CAF\\xc9.txt')",
        ),
    ],
    ids=["nfc-nfd", "sharp-s", "ligature", "case-and-nfd", "mixed"],
)
def test_a_collision_says_which_names_and_why(
    tmp_path: Path, names: list[str], entry: str, message: str
) -> None:
    assert _findings(tmp_path, names, "ZIP021") == [(entry, message)]


@pytest.mark.parametrize(
    "names",
    [
        ["cafe.txt", "café.txt"],
        ["x\u00b2.txt", "x2.txt"],
        ["\uff21.txt", "A.txt"],
        ["images/logo.png", "images/logo.PNG.bak"],
        [NFC],
    ],
    ids=["accent", "superscript", "full-width", "distinct", "alone"],
)
def test_names_no_file_system_merges_do_not_collide(tmp_path: Path, names: list[str]) -> None:
    assert _findings(tmp_path, names, "ZIP021") == []


def test_a_collision_names_ten_others_of_each_kind_then_counts_the_rest(tmp_path: Path) -> None:
    # 16 case spellings, each composed and decomposed: the first name (decomposed) has 15
    # others differing in case, 15 in case and normalisation, and one in normalisation only.
    spellings = ["".join(s) for s in itertools.product(*((c, c.upper()) for c in "abcd"))]
    names = [unicodedata.normalize(form, f"é{s}") for s in spellings for form in ("NFC", "NFD")]
    [(entry, message)] = _findings(tmp_path, names, "ZIP021")
    assert entry == "e\u0301ABCD"
    assert message.count(" and 5 more") == 2
    assert message.startswith("differs only in case from 'e\\u0301ABCd', ")
    assert f"; {NORMALISATION} from '\\xe9ABCD'; differs only in case and in " in message
