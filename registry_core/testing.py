"""A pytest plugin for testing registry-core plugins with the host's own fixtures.

Installed through the ``pytest11`` entry point, so the fixtures are available in any test
suite once registry-core is installed.
"""

from __future__ import annotations
