"""assetcheck's rule catalogue: one module per family. Importing this package registers them."""

from rules import (
    container,  # noqa: F401
    descriptor,  # noqa: F401
    files,  # noqa: F401
    images,  # noqa: F401
    manifest,  # noqa: F401
    marketing,  # noqa: F401
    obr,  # noqa: F401
    xml,  # noqa: F401
)
