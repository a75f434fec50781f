"""docs/cli.rst documents every command the parser has, and each command's own options: a
command or option added without its documentation fails here."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from registry_core.cli import build_parser
from registry_core.cli.common import common_parent, credentials_parent

PAGE = Path(__file__).resolve().parent.parent / "docs" / "cli.rst"


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [subparsers] = [action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction)]
    return dict(subparsers.choices)


def section_titles(text: str) -> list[str]:
    """The page's section titles: a line underlined with ``-`` or ``=`` at least as long."""
    lines = text.splitlines()
    return [
        title.strip() for title, underline in zip(lines, lines[1:], strict=False)
        if title.strip() and re.fullmatch(r"([-=])\1*", underline)
        and len(underline) >= len(title.strip())
    ]


def documented_commands(text: str) -> set[str]:
    """The words of the section titles (``ping, certs, plugins``, ``login and logout``)."""
    return {word for title in section_titles(text)
            for word in re.split(r",\s*|\s+and\s+|\s+", title) if word}


def own_options(parser: argparse.ArgumentParser) -> list[str]:
    """A command's long options beyond the ones every command shares (documented once)."""
    shared = {option for parent in (common_parent(), credentials_parent())
              for action in parent._actions for option in action.option_strings}
    return [option for action in parser._actions for option in action.option_strings
            if option.startswith("--") and option not in shared and option != "--help"]


def test_the_parser_has_the_commands_this_test_knows_of() -> None:
    # A sanity check that the parser is read: the content and search commands are in it.
    assert {"login", "tags", "resolve", "manifest", "blob", "copy", "search"} <= set(commands())


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_a_section(name: str) -> None:
    assert name in documented_commands(PAGE.read_text()), (
        f"docs/cli.rst has no section for the {name!r} command")


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_of_a_command_is_documented(name: str) -> None:
    text = PAGE.read_text()
    for option in own_options(commands()[name]):
        assert re.search(rf"``{re.escape(option)}(``|[ =/])", text), (
            f"docs/cli.rst does not document {name} {option}")


def test_a_missing_command_is_noticed() -> None:
    text = PAGE.read_text().replace("\nsearch\n------\n", "\nSearching\n---------\n")
    assert "search" not in documented_commands(text)
