"""assetcheck's rule catalogue: one module per family. Importing this package registers them."""

from rules import container  # noqa: F401
