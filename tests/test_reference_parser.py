"""The parser's shortcuts: it must accept and refuse exactly what the grammar does.

:func:`registry_core.reference.parse` splits a reference at ``@`` and at its tag ``:`` before
matching the pieces, and :func:`parse_normalized_named` remembers its answers. These tests hold
both against the whole :data:`REFERENCE_REGEXP` (the Go grammar as one expression) and against
an un-remembered parse.
"""

from __future__ import annotations

import random
import threading

import pytest

from registry_core import reference as ref_module
from registry_core.errors import InvalidReferenceError
from registry_core.reference import (
    ERR_NAME_CONTAINS_UPPERCASE,
    ERR_NAME_EMPTY,
    ERR_REFERENCE_INVALID_FORMAT,
    PARSE_CACHE_SIZE,
    REFERENCE_REGEXP,
    Digested,
    Named,
    Tagged,
    clear_parse_cache,
    parse,
    parse_normalized_named,
    with_name,
)
from tests.test_reference import odd_inputs


def grammar_answer(text: str) -> tuple[str, ...]:
    """What the whole expression says about ``text``: its name, tag and digest, or no match."""
    match = REFERENCE_REGEXP.match(text)
    if match is None:
        return ("no match",)
    return (match.group(1), match.group(2) or "", match.group(3) or "")


def parse_outcome(text: str) -> tuple[str, ...]:
    try:
        ref = parse(text)
    except InvalidReferenceError as err:
        return ("error", str(err))
    assert isinstance(ref, Named)
    tag = ref.tag if isinstance(ref, Tagged) else ""
    digest = str(ref.digest) if isinstance(ref, Digested) else ""
    return (ref.name, tag, digest)


def grammar_inputs(seed: int, count: int) -> list[str]:
    """Strings near the grammar's edges: ``@`` and ``:`` in every position, long tags."""
    rng = random.Random(seed)
    pieces = ["a", "b0", "A", "-", "_", "__", ".", "/", ":", "@", "5000", "localhost",
              "sha256:" + "f" * 64, "sha256", "f" * 32, "t" * 127, "t" * 128, "ä", "İ", "\n"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(count)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parse_accepts_exactly_what_the_grammar_accepts(seed: int) -> None:
    for text in odd_inputs(seed, 400) + grammar_inputs(seed, 3000):
        expected = grammar_answer(text)
        outcome = parse_outcome(text)
        if expected == ("no match",):
            assert outcome[0] == "error", ascii(text)
            assert outcome[1] in (
                ERR_NAME_EMPTY, ERR_NAME_CONTAINS_UPPERCASE, ERR_REFERENCE_INVALID_FORMAT
            ), ascii(text)
        elif outcome[0] == "error":
            # It matched the grammar, so only a check after the match may refuse it.
            assert outcome[1] not in (
                ERR_NAME_EMPTY, ERR_NAME_CONTAINS_UPPERCASE, ERR_REFERENCE_INVALID_FORMAT
            ), ascii(text)
        else:
            assert outcome == expected, ascii(text)
            # The domain is where the grammar puts it (with_name splits with the name regexp).
            assert parse(text).domain == with_name(expected[0]).domain  # type: ignore[attr-defined]


def test_an_over_long_tag_fails_fast_and_with_the_reference_message() -> None:
    # The whole expression backtracks through every tag length here; the split parser does not
    # (and the message is the one the Go grammar gives).
    text = "a" * 200 + ":" + "T" * 129 + "@sha256:" + "f" * 64
    assert grammar_answer(text) == ("no match",)
    with pytest.raises(InvalidReferenceError, match=f"^{ERR_REFERENCE_INVALID_FORMAT}$"):
        parse(text)


def test_a_remembered_answer_equals_a_fresh_one() -> None:
    clear_parse_cache()
    for text in odd_inputs(7, 300):
        first = parse_answer_or_error(text)
        again = parse_answer_or_error(text)
        clear_parse_cache()
        fresh = parse_answer_or_error(text)
        assert first == again == fresh, ascii(text)


def parse_answer_or_error(text: str) -> tuple[str, str]:
    try:
        named = parse_normalized_named(text)
    except InvalidReferenceError as err:
        return ("error", str(err))
    return (type(named).__name__, repr(named))


def test_a_remembered_refusal_raises_a_new_exception_each_time() -> None:
    errors = []
    for _ in range(2):
        with pytest.raises(InvalidReferenceError) as info:
            parse_normalized_named("Ubuntu")
        errors.append(info.value)
    assert errors[0] is not errors[1]
    assert [str(e) for e in errors] == [
        "invalid reference format: repository name must be lowercase"
    ] * 2


def test_the_memory_is_bounded() -> None:
    clear_parse_cache()
    for number in range(PARSE_CACHE_SIZE + 500):
        parse_normalized_named(f"app{number}")
    info = ref_module._parse_normalized_named_remembered.cache_info()
    assert info.currsize == PARSE_CACHE_SIZE
    clear_parse_cache()
    assert ref_module._parse_normalized_named_remembered.cache_info().currsize == 0


def test_threads_parsing_the_same_names_agree() -> None:
    clear_parse_cache()
    names = [f"localhost:5000/team/app{n}:v{n}" for n in range(200)]
    results: list[list[str]] = []

    def work() -> None:
        results.append([str(parse_normalized_named(name)) for name in names])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [names] * 8


def test_go_lowering_shortcut_matches_code_point_by_code_point() -> None:
    # The shortcut uses str.lower() unless the text holds a code point whose full mapping is
    # not Go's simple one; for every cased code point, both must agree with gocompat's
    # code-point-by-code-point port.
    from registry_core.gocompat import go_to_lower

    cased = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and chr(c).lower()
             != chr(c)]
    for char in cased:
        expected = go_to_lower(char)
        assert ref_module._go_to_lower(char) == expected, ascii(char)
        assert ref_module._go_to_lower("ab" + char + "Σ") == go_to_lower("ab" + char + "Σ")
        assert ref_module._go_to_lower("ab" + char) == "ab" + expected, ascii(char)
    assert ref_module._go_to_lower("ΟΔΟΣ") == "οδοσ"  # Go has no final sigma
    assert ref_module._go_to_lower("İ.COM") == "i.com"  # one code point, as in Go
