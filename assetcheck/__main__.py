"""``python -m assetcheck`` and the ``assetcheck`` console script.

``--version`` is answered here, before the command line (click, the rules, the readers) is
imported: a hook or a pipeline that asks for the version should not pay for a check.
"""

import sys


def run() -> None:
    """The console script: ``assetcheck ...``."""
    if sys.argv[1:] == ["--version"]:
        from assetcheck import __version__

        print(f"assetcheck, version {__version__}")
        sys.exit(0)
    from assetcheck.cli import main

    sys.exit(main())


if __name__ == "__main__":
    run()
