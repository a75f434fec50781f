"""An example credential backend for registry-core: per-registry secret files."""

__version__ = "0.1.0"
