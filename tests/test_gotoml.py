"""go-toml 1.9's table headers: only a header whose quoted key holds a bracket is refused."""

from __future__ import annotations

import pytest

from registry_core.gotoml import table_header_error


@pytest.mark.parametrize("text", [
    '[host."https://[::1]:5000"]\n',
    'server = "https://m"\n\n[host."a]b"]\n',
    "[[host.'x]y']]\n",
])
def test_a_header_with_a_quoted_bracket_is_refused_with_its_line(text: str) -> None:
    found = table_header_error(text)
    assert found is not None
    assert found[1] == text[: text.index("[host")].count("\n") + 1


@pytest.mark.parametrize("text", [
    '[host."https://m.test"]\n  ca = ["a]b.pem"]\n',
    'client = [\n  ["x].cert", "y.key"],\n  ["[z]", "w"]\n]\n',
    'a = """\n[host."[::1]"]\n"""\n[host."m"]\n',
    "a = '''\n[x.\"]\"]\n'''\n",
    '# [host."https://[::1]"]\n[host."m"]\n',
    '[host]\n"https://[::1]:5000" = {capabilities = ["pull"]}\n',
    'x = { y = "]" }\n[host."m".header]\n',
])
def test_brackets_elsewhere_are_fine(text: str) -> None:
    assert table_header_error(text) is None
