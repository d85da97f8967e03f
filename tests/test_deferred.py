"""assetcheck.deferred: a module imported on first use (issue 12: detect-secrets' requests)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_deferred_module_loads_on_first_use_and_is_then_the_real_one() -> None:
    out = _run(
        """
        import sys
        from assetcheck.deferred import defer
        defer("requests")
        import requests
        print("urllib3" in sys.modules)
        error = requests.exceptions.RequestException
        print("urllib3" in sys.modules, error.__module__, sys.modules["requests"] is not requests)
        print(type(sys.modules["requests"]).__name__, requests.get is sys.modules["requests"].get)
        """
    )
    assert out == ["False", "True", "requests.exceptions", "True", "module", "True"]


def test_a_submodule_import_through_a_stand_in_loads_the_real_package() -> None:
    out = _run(
        """
        from assetcheck.deferred import defer
        defer("requests")
        import requests.adapters
        from requests.exceptions import HTTPError
        print(requests.adapters.HTTPAdapter.__name__, HTTPError.__name__)
        """
    )
    assert out == ["HTTPAdapter", "HTTPError"]


def test_the_secrets_scan_never_loads_requests() -> None:
    """The scan runs detect-secrets' patterns and filters, which never use requests."""
    out = _run(
        """
        import sys
        from pathlib import Path
        from tests.builders import make_jar
        from tests.catalogue import check_paths
        from assetcheck.settings import Settings
        import tempfile
        folder = Path(tempfile.mkdtemp())
        jar = folder / "app.jar"
        jar.write_bytes(make_jar(**{"db.properties": "db.password=hunter2hunter2x\\n"}))
        report = check_paths([jar], Settings())
        print(sorted({f.code for f in report.files[0].findings if f.code.startswith("SEC")}))
        print("detect_secrets" in sys.modules, "urllib3" in sys.modules)
        """
    )
    assert out == ["['SEC004']", "True", "False"]


def test_a_module_already_imported_or_missing_is_left_alone() -> None:
    out = _run(
        """
        import sys, json
        from assetcheck.deferred import defer
        defer("json"); defer("no_such_module_here")
        print(type(sys.modules["json"]).__name__, "no_such_module_here" in sys.modules)
        """
    )
    assert out == ["module", "False"]
