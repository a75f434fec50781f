"""Sphinx configuration for registry-core's documentation."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("../plugins"))

project = "registry-core"
author = "the registry-core developers"
copyright = "2026, the registry-core developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]

autodoc_member_order = "bysource"
# requests' docstrings refer to labels of its own docs; do not inherit them.
autodoc_inherit_docstrings = False
autodoc_typehints = "description"
autodoc_default_options = {"undoc-members": False}
# Names whose documentation lives elsewhere (or nowhere on an offline machine).
nitpicky = False
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

html_theme = "alabaster"
exclude_patterns = ["_build"]
