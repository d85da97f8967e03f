import sys

from assetcheck.cli import main

sys.exit(main())
