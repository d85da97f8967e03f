"""assetcheck: check Atlassian Marketplace artifacts and listing images before upload."""

# The one place the version is written; pyproject.toml reads it from here. A literal (not
# importlib.metadata) keeps start-up fast for pre-commit hooks.
__version__ = "0.1.0"
