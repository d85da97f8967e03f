"""assetcheck's rule catalogue: one module per family, listed explicitly.

The command line builds the engine's rule set from ``MODULES``; nothing below it imports this
package.
"""

from assetcheck.rules import (
    container,
    descriptor,
    files,
    hygiene,
    images,
    manifest,
    marketing,
    obr,
    platform,
    secrets,
    xml,
)

MODULES = (
    container,
    descriptor,
    files,
    hygiene,
    images,
    manifest,
    marketing,
    obr,
    platform,
    secrets,
    xml,
)
