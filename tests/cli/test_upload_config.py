"""A repository's configuration cannot send the pipeline's credentials to another host."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from assetcheck.cli import _refuse_foreign_base_url, cli
from tests.builders import make_jar


@pytest.fixture
def listener() -> socket.socket:
    """A loopback port that would accept a connection, to prove none was made."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


def _project(tmp_path: Path, base_url: str) -> Path:
    (tmp_path / "assetcheck.toml").write_text(f'base-url = "{base_url}"\n')
    jar = tmp_path / "app.jar"
    jar.write_bytes(make_jar())
    return jar


def test_a_configured_base_url_on_another_host_gets_no_credentials(
    tmp_path: Path, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rest/2"
    jar = _project(tmp_path, url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSETCHECK_TOKEN", "secret-token-value")
    monkeypatch.setenv("ASSETCHECK_USER", "me@example.com")
    monkeypatch.delenv("ASSETCHECK_BASE_URL", raising=False)
    command = ["upload", "--deadline", "3", "--ledger", str(tmp_path / "l.db"), str(jar)]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert f"base-url {url} comes from " in result.output
    assert "assetcheck.toml: a project's configuration may not send" in result.output
    assert "--base-url" in result.output and "secret-token-value" not in result.output
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing connected: the token never left
    dry = CliRunner().invoke(
        cli, ["upload", "--dry-run", "--ledger", str(tmp_path / "l.db"), str(jar)]
    )
    assert "comes from" not in dry.output  # a dry run sends no credentials


def test_the_marketplace_or_a_host_the_pipeline_names_is_allowed(tmp_path: Path) -> None:
    _refuse_foreign_base_url("https://marketplace.atlassian.com/rest/2", tmp_path / "a.toml")
    with pytest.raises(Exception, match="may not send your credentials"):
        _refuse_foreign_base_url("https://marketplace.atlassian.com.evil.example/rest/2", None)
