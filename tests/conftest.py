"""Shared test set-up. Fixture modules live beside this file and are listed here."""

from __future__ import annotations

pytest_plugins = ["tests.registry_fixtures", "tests.canary"]
