"""Secrets rules (SEC): credentials in text that anyone who downloads the app can read.

A Marketplace artifact is public: whoever downloads it can unzip it. These rules scan the text
entries of the artifact and of every jar bundled in it (descriptors, ``.properties``, YAML, JSON,
JS, XML, PEM and key files, ``.env``, ``.txt``, ``.cfg``/``.conf``/``.ini``...: the list is
``scan-suffixes`` and ``scan-names`` in ``rules/data/secrets.toml``), and every such file of a
plugin source tree (it goes into the jar). The patterns are detect-secrets' (its plugins'
``denylist`` regular expressions, its ``KeywordDetector`` and its false-positive heuristics),
plus Atlassian API tokens, Google Cloud service-account key files, unquoted AWS secret keys and
dotenv files, which it does not know. Its high-entropy and JWT plugins are not used: minified
bundles and test data are full of random-looking strings. Nothing is verified over the network.

Bounds (what is NOT scanned): an entry's bytes past its first 1 MiB; any entry once 32 MiB of
text has been read for one checked file (the artifact with its bundled jars, or the tree);
binary entries (a NUL byte in the first KiB) and ``.class`` files; an entry's secrets of one
kind past the first 1,000. The token and key patterns see the whole text read. The keyword
check sees 40 characters before and 140 after each keyword assignment (word runs cut to 40),
at most 5,000 assignments an entry and 5,000 a file (one holding several keywords counts ten:
detect-secrets' keyword patterns are polynomial on such text); the URL check sees the first
4 KiB of at most 5,000 lines an entry. Minified bundles (an average line over 1,000
characters) get the token and key patterns only, never the keyword and URL checks, which
misfire on library code. SEC090 names the entries a bound stopped.

Placeholders are not secrets: ``${db.password}``, ``{{ pw }}``, ``@pw@``, ``<password>``,
``$PW``, prose, labels and the ``placeholders`` list. ``password=changeme`` IS reported: a
default credential anyone can read in the public jar is a credential (a warning, as every
keyword finding is; keys and tokens are errors).

A finding names the entry and the line and shows the secret masked (at most its first 4
characters, and its length): the report itself must not leak it. At most 10 findings of one
code are listed for one entry; one more says how many others that entry holds.
"""

from __future__ import annotations

import functools
import re
import string
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePosixPath
from typing import Any

from assetcheck.api import (
    ERROR,
    INFO,
    WARNING,
    Problem,
    TextEntriesView,
    defer,
    has_placeholder,
    rule,
    rule_data,
)

MAX_ENTRY_BYTES = 1024 * 1024  # scanned of one entry
MAX_LINE = 4096  # of one line, for the keyword and URL checks
MINIFIED_LINE = 1000  # average line length above which text is a minified bundle
BINARY_PROBE = 1024  # a NUL byte in these first bytes: binary
SHOWN = 10  # findings of one code listed for one entry
MAX_HITS = 1000  # secrets of one kind found in one entry before its scan stops
MAX_CANDIDATE_LINES = 5000  # keyword assignments, or lines with a URL, looked at in one entry
# Keyword assignments the keyword check looks at in one checked file. detect-secrets' keyword
# patterns cost up to two milliseconds on a hostile window (words made of keywords, quotes),
# some microseconds on a real one (a single keyword): this keeps a hostile file to a second.
KEYWORD_WINDOWS_PER_FILE = 5000
DENSE_COST = 10  # what a window holding more than two keywords costs of that (a hostile one)
WINDOW_BEFORE, WINDOW_AFTER = 40, 140  # characters around a keyword the check sees
WORD_RUN = 40  # longer runs of word characters are cut, for the keyword check only
NAMED = 5  # entries a summary names

PRIVATE_KEY, CLOUD_KEY, TOKEN, KEYWORD, URL, DOTENV, BOUNDS = (
    "SEC001",
    "SEC002",
    "SEC003",
    "SEC004",
    "SEC005",
    "SEC010",
    "SEC090",
)
REVOKE = (
    "Revoke it now (once uploaded it is public, and old versions stay downloadable), remove it "
    "from the build, and read credentials at run time from the product's secure storage."
)


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    line: int
    what: str  # "an AWS access key id"
    excerpt: str  # masked


# ---- patterns ------------------------------------------------------------------------------

# A Google Cloud service-account key file: its type and its private key (detect-secrets has none).
_GCP_TYPE = re.compile(r'"type"\s*:\s*"service_account"')
_GCP_KEY = re.compile(r'"private_key"\s*:\s*"(-----BEGIN[^"]{0,4000})')
# Atlassian API tokens (2022 format, as gitleaks' atlassian-api-token rule).
_ATLASSIAN = re.compile(r"\bATATT3[A-Za-z0-9_\-=]{186}")
# ~/.aws/credentials style, unquoted (detect-secrets' AWS secret pattern needs quotes).
_AWS_SECRET = re.compile(
    r"aws_?secret_?access_?key[\"'\]]{0,2}\s*(?:=|:|:=|=>)\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
    re.IGNORECASE,
)
# detect-secrets' npm and OpenAI patterns repeat without bound (``//.+/:_authToken``,
# ``sk-[...]*``) and go quadratic on a long line; these are the same shapes, bounded.
_NPM = re.compile(
    r"//[^\s/]{1,253}(?:/[^\s:]{0,200})?/:_authToken=\s*(npm_[A-Za-z0-9]{36}|[A-Fa-f0-9-]{36})"
)
_OPENAI = re.compile(r"\bsk-[A-Za-z0-9_-]{0,80}?[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}")
# Maven settings.xml style: <password>value</password>.
_XML_ELEMENT = re.compile(  # run on the lowercased text
    r"<([\w.:-]*(?:password|passwd|secret|api[_-]?key|private[_-]?key)[\w.:-]*)>"
    r"([^<\s]{1,200})</\1>"
)
# A PEM header is a key only when key material follows it (not a string in docs or code).
_KEY_BODY = re.compile(r"[A-Za-z0-9+/]{40,}")
# The key a value is assigned to, just before it: "db.password = " -> db.password.
_KEY_BEFORE = re.compile(r"([\w.\-\[\]]{1,60})[\"'\]]{0,2}\s*(?:=|:|:=|=>|\s)\s*[\"'`@]?$")
_LONG_WORD = re.compile(rf"\w{{{WORD_RUN + 1},}}")
_TEMPLATE = re.compile(r"\{\{|\}\}|#\{|%\(|^@[\w.\-]+@$|^%[\w.\-]+%$|^<[^>]*>$|^\$\w+$")


def _mask(value: str) -> str:
    """At most the first 4 characters (fewer for a short value), then its length."""
    keep = min(4, len(value) // 4)
    return f"{value[:keep]}…({len(value):,} chars)"


def _excerpt(text: str, start: int, value: str) -> str:
    """``key = mask`` when the key just before the value can be told, else the mask alone."""
    prefix = text[max(0, start - 80) : start]
    before = _KEY_BEFORE.search(prefix[prefix.rfind("\n") + 1 :])
    masked = _mask(value)
    return f"{before.group(1)} = {masked}" if before else masked


def _url_excerpt(text: str, start: int, value: str) -> str:
    """``https://user:mask@``: the URL up to its password, the password masked."""
    prefix = text[max(0, start - 80) : start]
    scheme = prefix.rfind("://")
    begin = re.search(r"[A-Za-z][\w+.-]*$", prefix[:scheme]) if scheme >= 0 else None
    shown = prefix[begin.start() if begin else max(scheme, 0) :]
    return f"{shown}{_mask(value)}@"


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled pattern of a detector. ``needle`` is a lowercase literal every match holds:
    the pattern runs only on text whose lowercase holds it (most patterns start with a class
    or ignore case, so the regex engine would try them at every position)."""

    code: str
    what: str
    regex: re.Pattern[str]
    needle: str | None = None
    # Where the needle is in every match, when that is fixed: the pattern is then tried only
    # there (Mailchimp's ``[0-9a-z]{32}-us[0-9]{1,2}`` has "-us" 32 characters in; run over
    # text holding "-user" it tried every position, 75% of the token patterns' time).
    anchor: int | None = None

    def finditer(self, text: str, lowered: str) -> Iterator[re.Match[str]]:
        """The pattern's matches in ``text``, as ``regex.finditer`` gives them."""
        if self.anchor is None or self.needle is None:
            yield from self.regex.finditer(text)
            return
        end = 0
        for at in _find_all(lowered, self.needle):
            start = at - self.anchor
            if start < end:
                continue
            match = self.regex.match(text, start) if start >= 0 else None
            if match is not None:
                end = match.end()
                yield match


# Literals that matches of detect-secrets' patterns hold, by detector and pattern index.
_NEEDLES = {
    ("AWSKeyDetector", 1): "aws",
    ("SlackDetector", 0): "xox",
    ("SlackDetector", 1): "hooks.slack.com",
    ("StripeDetector", 0): "k_live_",
    ("MailchimpDetector", 0): "-us",
    ("GitLabTokenDetector", 0): "gl",
    ("GitLabTokenDetector", 5): "glagent-",
}
# Patterns whose needle is always this many characters from the start of a match.
_ANCHORS = {("MailchimpDetector", 0): 32}


def _load_detect_secrets() -> None:
    """Before detect-secrets is imported: it imports requests for online verification, which
    assetcheck never asks for (0.12 s of start-up); requests loads if something uses it."""
    defer("requests")


@functools.cache
def _token_patterns() -> tuple[Pattern, ...]:
    """detect-secrets' token plugins' patterns (their ``denylist``), with the code and the
    words each is reported in, and ours.

    Imported on first use: loading detect-secrets costs a fifth of a second, and a run that
    scans no text never pays it. Left out: the high-entropy and JWT plugins (minified bundles
    and test data are full of random strings and sample tokens), Artifactory and Discord
    (short, unanchored patterns that match ordinary identifiers), IBM and SoftLayer (keyword
    patterns without a token format), and npm and OpenAI, replaced by bounded equivalents.
    """
    _load_detect_secrets()
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    detectors: list[tuple[str, str, Any]] = [
        (CLOUD_KEY, "an AWS access key", AWSKeyDetector),
        (CLOUD_KEY, "an Azure storage account key", AzureStorageKeyDetector),
        (TOKEN, "a GitHub token", GitHubTokenDetector),
        (TOKEN, "a GitLab token", GitLabTokenDetector),
        (TOKEN, "a Slack token or webhook", SlackDetector),
        (TOKEN, "a Stripe live key", StripeDetector),
        (TOKEN, "a PyPI token", PypiTokenDetector),
        (TOKEN, "a SendGrid API key", SendGridDetector),
        (TOKEN, "a Twilio key", TwilioKeyDetector),
        (TOKEN, "a Mailchimp API key", MailchimpDetector),
        (TOKEN, "a Square OAuth secret", SquareOAuthDetector),
    ]
    found = [
        Pattern(CLOUD_KEY, "an AWS secret access key", _AWS_SECRET, "access"),
        Pattern(TOKEN, "an Atlassian API token", _ATLASSIAN, "atatt3"),
        Pattern(TOKEN, "an npm token", _NPM, "_authtoken"),
        Pattern(TOKEN, "an OpenAI API key", _OPENAI, "t3blbkfj"),
    ]
    for code, what, detector in detectors:
        for index, regex in enumerate(detector.denylist):
            key = (detector.__name__, index)
            found.append(Pattern(code, what, regex, _NEEDLES.get(key), _ANCHORS.get(key)))
    return tuple(found)


@functools.cache
def _private_key_patterns() -> tuple[re.Pattern[str], ...]:
    _load_detect_secrets()
    from detect_secrets.plugins.private_key import PrivateKeyDetector

    return tuple(PrivateKeyDetector.denylist)


@functools.cache
def _keyword() -> tuple[Any, Callable[[str], Any], re.Pattern[str], re.Pattern[str]]:
    """detect-secrets' KeywordDetector, its regexes for a file name, and the keywords it needs."""
    _load_detect_secrets()
    from detect_secrets.plugins import keyword
    from detect_secrets.util.filetype import FileType, determine_file_type

    def regexes(name: str) -> Any:
        base = PurePosixPath(name).name.lower()
        if _is_dotenv(base) or base in {".npmrc", ".netrc", ".pypirc", "credentials"}:
            return keyword.REGEX_BY_FILETYPE[FileType.PROPERTIES]
        return keyword.REGEX_BY_FILETYPE.get(
            determine_file_type(base), keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
        )

    # A keyword with an assignment, a call or a quote just after it, or a quoted value compared
    # just before it: the shapes the detector's patterns need, found in linear time. Run on
    # the lowercased text (the keywords are lowercase): ignoring case would make the regex
    # engine try the alternation at every position, ten times slower.
    words = "|".join(keyword.DENYLIST)
    prefilter = re.compile(
        rf"(?:{words})[\w.\-\[\]]{{0,40}}[\"'\]]{{0,2}}\s{{0,5}}(?:[:=!(]|[\"'`@])"
        rf"|[\"'`]\s{{0,5}}[!=]=\s{{0,5}}\w{{0,40}}(?:{words})"
    )
    return keyword.KeywordDetector(), regexes, prefilter, re.compile(words)


@functools.cache
def _heuristics() -> tuple[Callable[..., bool], ...]:
    _load_detect_secrets()
    from detect_secrets.filters import heuristic

    return (
        heuristic.is_templated_secret,
        heuristic.is_prefixed_with_dollar_sign,
        heuristic.is_sequential_string,
        heuristic.is_potential_uuid,
        heuristic.is_not_alphanumeric_string,
    )


def _is_placeholder(value: str, line: str, placeholders: frozenset[str]) -> bool:
    """Whether a keyword or URL value only stands for a secret (see ``placeholders``)."""
    _load_detect_secrets()
    from detect_secrets.filters import heuristic

    stripped = value.strip().strip("\"'`;,")
    if not stripped or any(c.isspace() for c in stripped):
        return True  # prose (an i18n message), not a password
    if stripped.lower() in placeholders or len(set(stripped.lower())) <= 2:
        return True  # a label, or xxxx / **** / abab
    if has_placeholder(stripped) or _TEMPLATE.search(stripped):
        return True  # ${db.password}, {{ pw }}, @pw@, %PW%, <password>, $PW
    if any(check(stripped) for check in _heuristics()):
        return True
    return heuristic.is_indirect_reference(line) or heuristic.is_likely_id_string(stripped, line)


def _is_fake_token(value: str) -> bool:
    """AWS's documented example keys, and tokens of one repeated character (``ghp_xxxx...``)."""
    _load_detect_secrets()
    from detect_secrets.filters import heuristic

    body = value.split("_", 1)[-1]
    return "EXAMPLE" in value or len(set(body)) <= 3 or heuristic.is_sequential_string(value)


# ---- which entries ---------------------------------------------------------------------------


def _is_dotenv(base: str) -> bool:
    return base == ".env" or base.startswith(".env.") or base.endswith(".env")


@dataclass(frozen=True)
class Selection:
    """``rules/data/secrets.toml`` with the checked file's configuration merged in."""

    suffixes: tuple[str, ...]
    names: frozenset[str]
    examples: frozenset[str]
    placeholders: frozenset[str]

    @classmethod
    def current(cls) -> Selection:
        data = rule_data("secrets")

        def lowered(key: str) -> list[str]:
            return [str(value).lower() for value in data[key]]

        return cls(
            tuple(lowered("scan-suffixes")),
            frozenset(lowered("scan-names")),
            frozenset(lowered("env-examples")),
            frozenset(lowered("placeholders")),
        )

    def scanned(self, base: str) -> bool:
        return base.endswith(self.suffixes) or base in self.names or _is_dotenv(base)

    def shipped_dotenv(self, base: str) -> bool:
        return _is_dotenv(base) and base not in self.examples


# ---- scanning --------------------------------------------------------------------------------


def _lines_of(text: str, positions: list[int]) -> dict[int, int]:
    """Offset -> line number (1-based) for each position, counting newlines once."""
    lines: dict[int, int] = {}
    line, at = 1, 0
    for position in sorted(set(positions)):
        line += text.count("\n", at, position)
        at = position
        lines[position] = line
    return lines


def _candidate_lines(text: str, positions: Iterator[int]) -> Iterator[tuple[int, str]]:
    """(start, line cut at MAX_LINE) of each line holding one of ``positions`` (ascending),
    once each; every character is looked at a bounded number of times."""
    end = -1
    for position in positions:
        if position <= end:
            continue  # a later match on the line just scanned
        start = text.rfind("\n", end + 1, position) + 1 or end + 1
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        yield start, text[start : min(end, start + MAX_LINE)]


def _lowered(text: str) -> str:
    """The text in lowercase with every offset unchanged (``str.lower`` lengthens a few
    characters, such as U+0130; then only ASCII is lowered)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
Found = tuple[int, str, str, str, int]  # (position, code, what, value, where the value starts)


@dataclass(frozen=True, slots=True)
class Scanned:
    hits: list[Hit]
    capped: bool  # a cap stopped the scan: MAX_HITS found, or MAX_CANDIDATE_LINES looked at


def scan_text(
    name: str,
    text: str,
    placeholders: frozenset[str] = frozenset(),
    windows: list[int] | None = None,
) -> Scanned:
    """Every secret in one entry's text: the patterns over the whole text, then the keyword and
    URL checks near each keyword assignment and on the lines holding ``://`` (never in minified
    bundles). Each stage stops past MAX_HITS, the line checks at MAX_CANDIDATE_LINES, and the
    keyword check when ``windows`` (what the checked file may still look at, shared by its
    entries) is spent."""
    lowered = _lowered(text)
    windows = [KEYWORD_WINDOWS_PER_FILE] if windows is None else windows
    found: list[Found] = []
    capped: list[bool] = []
    stages = [_key_hits(text), _token_hits(text, lowered)]
    if len(text) / (text.count("\n") + 1) <= MINIFIED_LINE:
        stages.append(_keyword_hits(name, text, lowered, placeholders, windows, capped))
        stages.append(_url_hits(text, placeholders, capped))
    for stage in stages:
        taken = list(islice(stage, MAX_HITS + 1))
        if len(taken) > MAX_HITS:
            capped.append(True)
        found.extend(taken[:MAX_HITS])
    return Scanned(_hits(text, found), bool(capped))


def _token_hits(text: str, lowered: str) -> Iterator[Found]:
    for pattern in _token_patterns():
        if pattern.needle is not None and pattern.needle not in lowered:
            continue
        for match in pattern.finditer(text, lowered):
            # A pattern's first group is the secret when it is one (AWS's quoted secret key),
            # not when it is a prefix (GitHub's ``(ghp|gho|...)``).
            first = match.group(1) if pattern.regex.groups else None
            group = 1 if first is not None and len(first) >= 16 else 0
            value = match.group(group)
            if not _is_fake_token(value):
                yield match.start(), pattern.code, pattern.what, value, match.start(group)


def _key_hits(text: str) -> Iterator[Found]:
    gcp = _GCP_TYPE.search(text) and _GCP_KEY.search(text)
    if gcp:
        what = "a Google Cloud service-account key"
        yield gcp.start(), CLOUD_KEY, what, gcp.group(1), gcp.start(1)
        return  # the service-account file's private key is that finding, not another
    for regex in _private_key_patterns():
        for match in regex.finditer(text):
            if _KEY_BODY.search(text, match.end(), match.end() + 400):
                yield match.start(), PRIVATE_KEY, match.group(0), "", match.start()


def _hits(text: str, found: list[Found]) -> list[Hit]:
    """One hit per line and code, masked; a line with a key or token (an error) says it once,
    not again as a keyword (a warning)."""
    numbers = _lines_of(text, [position for position, *_ in found])
    hits: dict[tuple[int, str], Hit] = {}
    for position, code, what, value, start in found:
        number = numbers[position]
        if (number, code) in hits:
            continue
        if code == PRIVATE_KEY:
            excerpt = f"-----{what}-----"
            what = f"a private key ({what})"
        elif code == URL:
            excerpt = _url_excerpt(text, start, value)
        else:
            excerpt = _excerpt(text, start, value)
        hits[number, code] = Hit(code, number, what, excerpt)
    errors = {number for number, code in hits if code in (PRIVATE_KEY, CLOUD_KEY, TOKEN)}
    return sorted(
        (h for (n, c), h in hits.items() if c not in (KEYWORD, URL) or n not in errors),
        key=lambda h: (h.line, h.code),
    )


# Every keyword of detect-secrets' list holds one of these: a literal alternation the regex
# engine scans for fast, where the whole assignment pattern would be tried at every position.
_KEYWORD_CORES = re.compile("key|pass|pwd|secret|contrase")


def _assignments(lowered: str, assignments: re.Pattern[str]) -> Iterator[int]:
    """Where keyword assignments start, ascending: the assignment pattern (at most 120
    characters long) is tried only around each keyword's core."""
    after = 0
    for core in _KEYWORD_CORES.finditer(lowered):
        if core.start() < after:
            continue
        match = assignments.search(lowered, max(after, core.start() - 60), core.end() + 60)
        if match is not None:
            yield match.start()
            after = match.end()


def _keyword_hits(
    name: str,
    text: str,
    lowered: str,
    placeholders: frozenset[str],
    windows: list[int],
    capped: list[bool],
) -> Iterator[Found]:
    """detect-secrets' keyword patterns on a window of each keyword assignment's line (60
    characters before the keyword, 180 after, word runs cut to WORD_RUN): its patterns are
    polynomial in the length of a word made of keywords, so they never see a long one."""
    detector, regexes, assignments, keywords = _keyword()
    groups = regexes(name)
    seen_to = -1
    count = 0
    for position in _assignments(lowered, assignments):
        if position < seen_to - WINDOW_AFTER // 2:
            continue  # the last window held this keyword and what follows it
        if count >= MAX_CANDIDATE_LINES or windows[0] <= 0:
            capped.append(True)
            break
        count += 1
        begin = text.rfind("\n", max(0, position - WINDOW_BEFORE), position) + 1
        begin = begin or max(0, position - WINDOW_BEFORE)
        seen_to = text.find("\n", position, position + WINDOW_AFTER)
        seen_to = min(len(text), position + WINDOW_AFTER) if seen_to < 0 else seen_to
        dense = len(keywords.findall(lowered, begin, seen_to)) > 2
        windows[0] -= DENSE_COST if dense else 1
        window = _LONG_WORD.sub(lambda m: m.group()[:WORD_RUN], text[begin:seen_to])
        for value in detector.analyze_string(window, denylist_regex_to_group=groups):
            if not _is_placeholder(value, window, placeholders):
                at = text.find(value, begin, seen_to)
                yield position, KEYWORD, "a password or secret", value, max(at, begin)
    if name.lower().endswith(".xml"):
        for match in _XML_ELEMENT.finditer(lowered):
            value = text[match.start(2) : match.end(2)]
            if not _is_placeholder(value, "", placeholders):
                yield match.start(), KEYWORD, "a password or secret", value, match.start(2)


def _url_hits(text: str, placeholders: frozenset[str], capped: list[bool]) -> Iterator[Found]:
    _load_detect_secrets()
    from detect_secrets.plugins.basic_auth import BasicAuthDetector

    lines = _candidate_lines(text, _find_all(text, "://"))
    for count, (start, line) in enumerate(lines):
        if count >= MAX_CANDIDATE_LINES:
            capped.append(True)
            return
        for regex in BasicAuthDetector.denylist:
            for match in regex.finditer(line):
                value = match.group(1)
                if not _is_placeholder(value, line, placeholders):
                    where = start + match.start(1)
                    yield start + match.start(), URL, "a password in a URL", value, where


def _find_all(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)


@dataclass
class Scan:
    """What one view's entries hold, found once for all the SEC rules."""

    hits: dict[str, list[Hit]]  # entry -> hits, in line order
    dotenv: list[str]
    capped: set[str]  # entries whose scan a cap stopped: their counts are lower bounds


_SCANS: weakref.WeakKeyDictionary[TextEntriesView, Scan] = weakref.WeakKeyDictionary()
# Keyword assignments the keyword check may still look at, per checked file (its budget).
_WINDOWS: weakref.WeakKeyDictionary[Any, list[int]] = weakref.WeakKeyDictionary()


def _scan(view: TextEntriesView) -> Scan:
    scan = _SCANS.get(view)
    if scan is None:
        scan = Scan({}, [], set())
        selection = Selection.current()
        for name in view.names():
            base = name.rsplit("/", 1)[-1].lower()
            if not selection.scanned(base):
                continue
            if selection.shipped_dotenv(base):
                scan.dotenv.append(name)
            sample = view.read_head(name, MAX_ENTRY_BYTES)
            if sample is None:
                continue  # unreadable (the container rules say why), or the budget is spent
            if b"\x00" in sample.data[:BINARY_PROBE]:
                if sample.cut:  # binary: not scanned at all, so not "scanned in part"
                    view.budget.cut.remove(view.chain + name)
                continue
            text = sample.data.decode("utf-8", "replace")
            windows = _WINDOWS.setdefault(view.budget, [KEYWORD_WINDOWS_PER_FILE])
            scanned = scan_text(name, text, selection.placeholders, windows)
            if scanned.hits:
                scan.hits[name] = scanned.hits
            if scanned.capped:
                scan.capped.add(name)
                view.budget.cut.append(view.chain + name)  # scanned only in part, too
        _SCANS[view] = scan
    return scan


def _problems(view: TextEntriesView, code: str, severity_word: str) -> Iterator[Problem]:
    scan = _scan(view)
    for entry, hits in scan.hits.items():
        mine = [h for h in hits if h.code == code]
        for hit in mine[:SHOWN]:
            yield Problem(
                f"{hit.what} in the text of a public download: {hit.excerpt} "
                f"(expected no {severity_word} in anything shipped; anyone can unzip it)",
                entry=entry,
                line=hit.line,
                hint=REVOKE,
            )
        if len(mine) > SHOWN:
            rest = mine[SHOWN:]
            lines = ", ".join(str(h.line) for h in rest[:NAMED])
            more = f" and {len(rest) - NAMED:,} more" if len(rest) > NAMED else ""
            least = "at least " if entry in scan.capped else ""
            yield Problem(
                f"{least}{len(rest):,} more of these in this entry (lines {lines}{more})",
                entry=entry,
                hint=REVOKE,
            )


# ---- rules -----------------------------------------------------------------------------------


@rule(PRIVATE_KEY, ERROR, TextEntriesView)
def private_key(view: TextEntriesView) -> Iterator[Problem]:
    """A private key (a PEM block, OpenSSH, PGP or PuTTY key) is in a text entry.

    Whoever downloads the app holds the key: whatever it signs or decrypts is theirs too. A PEM
    header counts only when key material follows it, so code and docs that name the header do
    not.

    Passing: a ``.pem`` with only ``-----BEGIN CERTIFICATE-----`` blocks (public certificates).
    Failing: ``keys/signing.pem`` holding ``-----BEGIN RSA PRIVATE KEY-----`` and its body.
    """
    yield from _problems(view, PRIVATE_KEY, "private keys")


@rule(CLOUD_KEY, ERROR, TextEntriesView)
def cloud_key(view: TextEntriesView) -> Iterator[Problem]:
    """A cloud access key (AWS, Google Cloud service account, Azure storage) is in a text entry.

    A cloud key in a public download is found by scanners within hours and billed to its owner.
    AWS's documented example keys (``...EXAMPLE``) are not reported.

    Passing: ``aws.region=eu-west-1`` with the key read from the environment at run time.
    Failing: ``aws_access_key_id=AKIA...`` (20 characters) in ``config.properties``, or a Google
    Cloud key file (``"type": "service_account"`` with its ``"private_key"``).
    """
    yield from _problems(view, CLOUD_KEY, "cloud keys")


@rule(TOKEN, ERROR, TextEntriesView)
def service_token(view: TextEntriesView) -> Iterator[Problem]:
    """An API token (Atlassian, GitHub, GitLab, Slack, Stripe, npm, ...) is in a text entry.

    Tokens in these formats are live credentials: an Atlassian API token acts as its owner on
    every site they can reach.

    Passing: a token read from the product's secure storage at run time.
    Failing: ``jira.token=ATATT3xFfGF0...`` (an Atlassian API token) or ``ghp_...`` in a
    ``.properties`` or ``.js`` entry.
    """
    yield from _problems(view, TOKEN, "tokens")


@rule(KEYWORD, WARNING, TextEntriesView)
def keyword_password(view: TextEntriesView) -> Iterator[Problem]:
    """A password or secret is assigned a literal value in a text entry.

    A shipped default password is a credential anyone can read. Placeholders are not reported:
    ``${db.password}``, ``{{ pw }}``, ``@pw@``, ``<password>``, ``$PW``, prose (an i18n message
    with spaces), labels (``admin.password=Password``) and the ``placeholders`` list of
    ``rules/data/secrets.toml``. Weak real defaults such as ``changeme`` ARE reported.

    Passing: ``db.password=${db.password}`` (filled in at deployment).
    Failing: ``db.password=s3cr3tValue`` in ``app.properties``, or ``"apiKey": "f00b4r..."`` in a
    ``.json`` entry.
    """
    yield from _problems(view, KEYWORD, "passwords")


@rule(URL, WARNING, TextEntriesView)
def url_password(view: TextEntriesView) -> Iterator[Problem]:
    """A URL in a text entry carries a password (``scheme://user:password@host``).

    Passing: ``jdbc.url=postgresql://db.example.com/app`` with the credentials configured apart.
    Failing: ``repo.url=https://deploy:hunter2x@repo.example.com/``.
    """
    yield from _problems(view, URL, "passwords")


@rule(DOTENV, ERROR, TextEntriesView)
def dotenv_shipped(view: TextEntriesView) -> Iterator[Problem]:
    """A ``.env`` file is shipped: it exists to hold secrets kept out of the code.

    Examples that only document the variables (``.env.example``, ``.env.sample``,
    ``.env.template``, ...; ``env-examples`` in ``rules/data/secrets.toml``) are not reported,
    and like every text entry their content is still scanned.

    Passing: ``.env.example`` with ``DB_PASSWORD=`` left empty.
    Failing: ``.env`` or ``config/.env.production`` in the jar or in ``src/main/resources``.
    """
    for name in _scan(view).dotenv:
        yield Problem(
            "a dotenv file is shipped in a public download (expected none: .env files hold "
            "the secrets kept out of the code)",
            entry=name,
            hint="Exclude it from the build (keep .env out of src/main/resources) and revoke "
            "what it held.",
        )


@rule(BOUNDS, INFO, TextEntriesView)
def scan_bounds(view: TextEntriesView) -> Iterator[Problem]:
    """Some text was not scanned for secrets: a bound of the scan stopped it.

    The bounds: an entry's first 1 MiB, 32 MiB of text for one checked file, 1,000 secrets of
    one kind in one entry, and the keyword check's share of lines. Said once for the checked
    file, naming the entries, so that a pass is not mistaken for a full scan.

    Passing: an app whose text entries are each under 1 MiB and 32 MiB in all.
    Failing: a 50 MB ``data/catalog.json`` (its first 1 MiB is scanned).
    """
    _scan(view)  # this view's reads (and caps) go into the budget's account first
    if not view.last or (not view.budget.cut and not view.budget.skipped):
        return
    cut, skipped = view.budget.cut, view.budget.skipped
    parts = []
    if cut:
        parts.append(f"{len(cut):,} entries were scanned only in part ({_named(cut)})")
    if skipped:
        parts.append(
            f"{len(skipped):,} entries were not scanned: the text budget for one file was spent "
            f"({_named(skipped)})"
        )
    yield Problem(
        "; ".join(parts) + " (expected every text entry scanned whole)",
        hint="Nothing to fix unless those entries may hold secrets; scan them with a dedicated "
        "secrets scanner.",
    )


def _named(names: list[str]) -> str:
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED:,} more" if len(names) > NAMED else "")
