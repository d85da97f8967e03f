"""assetcheck's rule catalogue: one module per family, listed explicitly.

The command line builds the engine's rule set from ``MODULES``; nothing below it imports this
package.
"""

from assetcheck.rules import (
    container,
    descriptor,
    files,
    images,
    manifest,
    marketing,
    obr,
    xml,
)

MODULES = (container, descriptor, files, images, manifest, marketing, obr, xml)
