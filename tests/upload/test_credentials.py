"""Credential resolution: the fixed order, the netrc entry, and the no-terminal/CI error."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from assetcheck.credentials import (
    ENV_SOURCE,
    PROMPT_SOURCE,
    STDIN_SOURCE,
    USER_ENV_TOKEN_SOURCE,
    USER_PROMPT_SOURCE,
    Credentials,
    CredentialsError,
    resolve_credentials,
)

HOST = "marketplace.atlassian.com"
ENV = {"ASSETCHECK_USER": "env@example.com", "ASSETCHECK_TOKEN": "env-token-xyz"}


class Prompter:
    """A prompt_fn that answers from a script and remembers what it was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, bool]] = []

    def __call__(self, prompt: str, hide_input: bool) -> str:
        self.asked.append((prompt, hide_input))
        return self.answers.pop(0)


def write_netrc(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def netrc_file(tmp_path: Path) -> Path:
    return write_netrc(
        tmp_path / "netrc",
        f"machine {HOST}\n  login netrc@example.com\n  password netrc-token-abc\n",
    )


def resolve(**overrides: Any) -> Credentials:
    options: dict[str, Any] = {
        "user_option": None,
        "token_stdin": False,
        "stdin": io.StringIO(""),
        "env": {},
        "netrc_path": Path("/nonexistent/netrc"),
        "host": HOST,
        "interactive": False,
        "prompt_fn": Prompter(),
    }
    options.update(overrides)
    return resolve_credentials(**options)


def test_user_option_with_token_from_stdin_beats_everything(netrc_file: Path) -> None:
    creds = resolve(
        user_option="opt@example.com",
        token_stdin=True,
        stdin=io.StringIO("stdin-token-123\n"),
        env=ENV,
        netrc_path=netrc_file,
        interactive=True,
    )
    assert (creds.user, creds.token, creds.source) == (
        "opt@example.com",
        "stdin-token-123",
        STDIN_SOURCE,
    )


def test_user_option_prompts_for_the_token_on_a_terminal() -> None:
    prompter = Prompter("typed-token ")
    env = {"ASSETCHECK_USER": "env@example.com"}
    creds = resolve(user_option="opt@example.com", interactive=True, prompt_fn=prompter, env=env)
    assert (creds.token, creds.source) == ("typed-token", USER_PROMPT_SOURCE)
    assert prompter.asked == [("Marketplace API token", True)]


def test_user_option_takes_the_token_from_the_environment_before_prompting() -> None:
    prompter = Prompter()
    creds = resolve(user_option="opt@example.com", interactive=True, prompt_fn=prompter, env=ENV)
    assert (creds.user, creds.token, creds.source) == (
        "opt@example.com",
        "env-token-xyz",
        USER_ENV_TOKEN_SOURCE,
    )
    assert prompter.asked == []


def test_user_option_without_a_token_source_says_how_to_give_one() -> None:
    with pytest.raises(CredentialsError, match="--token-stdin, or set ASSETCHECK_TOKEN"):
        resolve(user_option="opt@example.com", env={"ASSETCHECK_USER": "env@example.com"})


@pytest.mark.parametrize("stdin", ["", "\n", "one\ntwo\n"])
def test_token_stdin_needs_exactly_one_token_line(stdin: str) -> None:
    with pytest.raises(CredentialsError, match="--token-stdin"):
        resolve(user_option="opt@example.com", token_stdin=True, stdin=io.StringIO(stdin))


def test_token_stdin_without_user_is_an_error() -> None:
    with pytest.raises(CredentialsError, match="--user EMAIL"):
        resolve(token_stdin=True, stdin=io.StringIO("tok"), env=ENV)


def test_environment_beats_netrc_and_prompt(netrc_file: Path) -> None:
    creds = resolve(env=ENV, netrc_path=netrc_file, interactive=True)
    assert (creds.user, creds.token, creds.source) == (
        "env@example.com",
        "env-token-xyz",
        ENV_SOURCE,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"ASSETCHECK_USER": "a@b.c"}, "ASSETCHECK_TOKEN"),
        ({"ASSETCHECK_TOKEN": "t"}, "ASSETCHECK_USER"),
    ],
)
def test_half_the_environment_pair_is_an_error(env: dict[str, str], missing: str) -> None:
    with pytest.raises(CredentialsError, match=f"but {missing} is not"):
        resolve(env=env)


def test_netrc_entry_for_the_host(netrc_file: Path) -> None:
    creds = resolve(netrc_path=netrc_file, interactive=True)
    assert (creds.user, creds.token) == ("netrc@example.com", "netrc-token-abc")
    assert creds.source == f"{netrc_file} (host {HOST})"


def test_default_netrc_is_the_one_in_home_shown_with_a_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_netrc(tmp_path / ".netrc", f"machine {HOST} login h@example.com password h-token\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    creds = resolve(netrc_path=None)
    assert (creds.user, creds.source) == ("h@example.com", f"~/.netrc (host {HOST})")


def test_netrc_default_entry_is_used_and_named(tmp_path: Path) -> None:
    path = write_netrc(tmp_path / "netrc", "default login d@example.com password d-token\n")
    creds = resolve(netrc_path=path)
    assert creds.source.endswith("(default entry)") and creds.user == "d@example.com"


def test_netrc_for_another_host_falls_through_to_the_prompt(tmp_path: Path) -> None:
    path = write_netrc(
        tmp_path / "netrc", "machine other.example.com login o@example.com password o-token\n"
    )
    creds = resolve(netrc_path=path, interactive=True, prompt_fn=Prompter("p@example.com", "p-tok"))
    assert (creds.user, creds.token, creds.source) == ("p@example.com", "p-tok", PROMPT_SOURCE)


def test_a_broken_netrc_names_the_line_but_not_its_content(tmp_path: Path) -> None:
    path = write_netrc(
        tmp_path / "netrc", f"machine {HOST} login a@b.c password ok\nsupersecret-garbage\n"
    )
    with pytest.raises(CredentialsError, match=r"near line \d") as caught:
        resolve(netrc_path=path)
    assert "supersecret" not in str(caught.value)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660])
def test_a_netrc_others_can_read_or_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    write_netrc(tmp_path / ".netrc", f"machine {HOST} login h@x.c password h-token-77\n", mode)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(CredentialsError, match=r"chmod 600 ~/\.netrc") as caught:
        resolve(netrc_path=None, interactive=True, prompt_fn=Prompter("p@x.c", "p-tok"))
    assert f"mode {mode:03o}" in str(caught.value) and "h-token-77" not in str(caught.value)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_netrc_only_its_owner_can_read_is_used(tmp_path: Path, mode: int) -> None:
    path = write_netrc(tmp_path / "netrc", f"machine {HOST} login h@x.c password h-tok\n", mode)
    assert resolve(netrc_path=path).token == "h-tok"


def test_prompt_asks_for_email_then_hidden_token() -> None:
    prompter = Prompter("me@example.com", "prompted-token")
    creds = resolve(interactive=True, prompt_fn=prompter)
    assert creds.source == PROMPT_SOURCE
    assert prompter.asked == [("Marketplace account email", False), ("Marketplace API token", True)]


@pytest.mark.parametrize(
    ("interactive", "env", "why"),
    [(False, {}, "stdin is not a terminal"), (True, {"CI": "true"}, "CI is set")],
)
def test_without_any_source_the_error_says_every_way(
    interactive: bool, env: dict[str, str], why: str
) -> None:
    prompter = Prompter()
    with pytest.raises(CredentialsError) as caught:
        resolve(interactive=interactive, env=env, prompt_fn=prompter)
    message = str(caught.value)
    for way in ("--user EMAIL --token-stdin", "ASSETCHECK_USER", "ASSETCHECK_TOKEN", "~/.netrc"):
        assert way in message
    assert f"machine {HOST} login EMAIL password API_TOKEN" in message
    assert why in message
    assert prompter.asked == []


def test_ci_also_stops_the_token_prompt_after_user_option() -> None:
    with pytest.raises(CredentialsError):
        resolve(user_option="opt@example.com", interactive=True, env={"CI": "1"})


def test_an_email_with_a_colon_cannot_be_sent() -> None:
    with pytest.raises(CredentialsError, match="':'"):
        resolve(env={"ASSETCHECK_USER": "a:b", "ASSETCHECK_TOKEN": "t"})


def test_the_token_is_hidden_from_repr_and_str() -> None:
    creds = Credentials("me@example.com", "hidden-token-987", ENV_SOURCE)
    for shown in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "hidden-token-987" not in shown
        assert "me@example.com" in shown and ENV_SOURCE in shown


def test_the_authorization_header_is_basic_email_colon_token() -> None:
    creds = Credentials("me@example.com", "tok", ENV_SOURCE)
    assert creds.authorization_header() == "Basic bWVAZXhhbXBsZS5jb206dG9r"
