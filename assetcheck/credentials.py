"""Marketplace credentials: one resolver, one fixed order, and a token that is never shown.

The order is the one in issue 4: the ``--user`` option (token from ``--token-stdin`` or a prompt),
the environment, the user's netrc entry for the host, then an interactive prompt. Each result
carries a human ``source`` so error messages can say where a rejected credential came from.
"""

from __future__ import annotations

import base64
import netrc
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

USER_ENV = "ASSETCHECK_USER"
TOKEN_ENV = "ASSETCHECK_TOKEN"
API_TOKEN_URL = "https://id.atlassian.com/manage-profile/security/api-tokens"

# prompt_fn(prompt, hide_input) -> the answer; the CLI passes click.prompt or getpass.
PromptFn = Callable[[str, bool], str]

ENV_SOURCE = f"environment ({USER_ENV}/{TOKEN_ENV})"
STDIN_SOURCE = "--user option with the token from stdin (--token-stdin)"
USER_ENV_TOKEN_SOURCE = f"--user option with the token from {TOKEN_ENV}"
USER_PROMPT_SOURCE = "--user option with a prompted token"
PROMPT_SOURCE = "interactive prompt"


class CredentialsError(Exception):
    """No usable credentials; the message says how to provide them."""


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """An account email and API token, plus where they came from (never the token itself)."""

    user: str
    token: str = field(compare=False)
    source: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, token='***', source={self.source!r})"

    __str__ = __repr__

    def authorization_header(self) -> str:
        """The HTTP Basic ``Authorization`` value for ``user:token``."""
        pair = f"{self.user}:{self.token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def resolve_credentials(
    user_option: str | None,
    token_stdin: bool,
    stdin: TextIO,
    env: Mapping[str, str],
    netrc_path: Path | None,
    host: str,
    interactive: bool,
    prompt_fn: PromptFn,
) -> Credentials:
    """Find credentials in the fixed order, or raise CredentialsError saying how to give them.

    ``interactive`` means stdin is a terminal; prompting additionally requires ``CI`` to be unset,
    so a pipeline never hangs on a prompt nobody will answer. ``netrc_path`` None means ~/.netrc.
    """
    can_prompt = interactive and not env.get("CI")
    if user_option is not None:
        return _from_user_option(
            user_option, token_stdin, stdin, env.get(TOKEN_ENV, "").strip(), can_prompt, prompt_fn
        )
    if token_stdin:
        raise CredentialsError(
            "--token-stdin reads only the API token; also pass the account email with --user EMAIL."
        )
    from_env = _from_environment(env)
    if from_env is not None:
        return from_env
    from_netrc = _from_netrc(netrc_path or Path.home() / ".netrc", host)
    if from_netrc is not None:
        return from_netrc
    if can_prompt:
        user = prompt_fn("Marketplace account email", False).strip()
        token = prompt_fn("Marketplace API token", True).strip()
        return _checked(user, token, PROMPT_SOURCE)
    raise CredentialsError(_how_to_provide(host, interactive))


def _from_user_option(
    user: str,
    token_stdin: bool,
    stdin: TextIO,
    env_token: str,
    can_prompt: bool,
    prompt_fn: PromptFn,
) -> Credentials:
    if token_stdin:
        return _checked(user, _read_token(stdin), STDIN_SOURCE)
    if env_token:
        # A pipeline that keeps the token in its secret store and names the account on the
        # command line: --user picks the account, the environment still supplies the token.
        return _checked(user, env_token, USER_ENV_TOKEN_SOURCE)
    if can_prompt:
        return _checked(user, prompt_fn("Marketplace API token", True).strip(), USER_PROMPT_SOURCE)
    raise CredentialsError(
        f"--user {user} was given but no API token: pipe the token on stdin and add "
        f"--token-stdin, or set {TOKEN_ENV} (prompting needs a terminal and CI unset)."
    )


def _read_token(stdin: TextIO) -> str:
    token = stdin.read().strip()
    if not token:
        raise CredentialsError(
            "--token-stdin found nothing on stdin: pipe the API token in, "
            "e.g. `printenv MY_TOKEN | assetcheck upload --user EMAIL --token-stdin ...`."
        )
    if "\n" in token or "\r" in token:
        raise CredentialsError(
            "--token-stdin expects exactly one line (the API token) on stdin; it got several."
        )
    return token


def _from_environment(env: Mapping[str, str]) -> Credentials | None:
    user, token = env.get(USER_ENV, "").strip(), env.get(TOKEN_ENV, "").strip()
    if not user and not token:
        return None
    # Half a pair is a misconfiguration: falling through to netrc would hide it.
    missing = USER_ENV if not user else TOKEN_ENV if not token else None
    if missing is not None:
        present = TOKEN_ENV if missing == USER_ENV else USER_ENV
        raise CredentialsError(f"{present} is set but {missing} is not: set both, or neither.")
    return _checked(user, token, ENV_SOURCE)


def _from_netrc(path: Path, host: str) -> Credentials | None:
    shown = _display_path(path)
    if not path.is_file():
        return None
    _refuse_if_readable_by_others(path, shown)
    try:
        entries = netrc.netrc(str(path))
    except netrc.NetrcParseError as exc:
        # exc.msg quotes the offending token, which may be a password: report the line only.
        raise CredentialsError(
            f"{shown} cannot be parsed near line {exc.lineno}: fix that line or remove the file."
        ) from None
    except OSError as exc:
        raise CredentialsError(
            f"{shown} cannot be read ({exc.strerror}): fix its permissions."
        ) from None
    entry = entries.authenticators(host)
    if entry is None:
        return None
    login, _account, password = entry
    which = f"host {host}" if host in entries.hosts else "default entry"
    source = f"{shown} ({which})"
    if not login or not password:
        raise CredentialsError(
            f"{source} lacks a login or a password: write "
            f"`machine {host} login EMAIL password API_TOKEN`."
        )
    return _checked(login, password, source)


def _refuse_if_readable_by_others(path: Path, shown: str) -> None:
    # Python's netrc refuses a default ~/.netrc that others can read only when parsing it
    # itself, not for a path it is given: check as it does (owner, then no group or other
    # bits), because a token others can read is a leaked token.
    if os.name != "posix":
        return
    try:
        info = path.stat()
    except OSError as exc:
        raise CredentialsError(
            f"{shown} cannot be read ({exc.strerror}): fix its permissions."
        ) from None
    if info.st_uid != os.getuid():
        raise CredentialsError(
            f"{shown} is not owned by you, so its token may not be yours to use: "
            f"`chown $USER {shown}`, or remove it."
        )
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(
            f"{shown} can be read or changed by other users (mode "
            f"{stat.S_IMODE(info.st_mode):03o}), so its token is refused: run `chmod 600 "
            f"{shown}`, and replace the token if others may have read it."
        )


def _checked(user: str, token: str, source: str) -> Credentials:
    if not user:
        raise CredentialsError(f"No account email was given ({source}): enter the Atlassian email.")
    if ":" in user:
        raise CredentialsError(
            f"The account email from {source} contains ':', which HTTP Basic auth cannot carry: "
            "use the Atlassian account email."
        )
    if not token:
        raise CredentialsError(f"No API token was given ({source}): create one at {API_TOKEN_URL}.")
    return Credentials(user, token, source)


def _display_path(path: Path) -> str:
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def _how_to_provide(host: str, interactive: bool) -> str:
    why = "CI is set" if interactive else "stdin is not a terminal"
    return (
        "No Marketplace credentials were found. Provide them in one of these ways:\n"
        "  --user EMAIL --token-stdin, with the API token piped on stdin;\n"
        f"  {USER_ENV}=EMAIL and {TOKEN_ENV}=API_TOKEN in the environment;\n"
        f"  a line `machine {host} login EMAIL password API_TOKEN` in ~/.netrc;\n"
        f"  or run in a terminal with CI unset to be prompted (prompting is off: {why}).\n"
        f"Create an API token at {API_TOKEN_URL}."
    )
