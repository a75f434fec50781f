"""Go's ``time``: ``Time.UnmarshalJSON`` (RFC 3339) and the package's ``quote``.

A token response's ``issued_at`` is read with ``time.Time.UnmarshalJSON``, and a bad one
is refused with Go's words. Go's RFC 3339 layout wants an upper-case ``T`` where
:meth:`~datetime.datetime.fromisoformat` takes a space, and before Python 3.11 ``fromisoformat``
refuses ``Z`` and nine-digit fractions, so this is done by hand.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError

__all__ = ["time_quote", "time_unmarshal_json"]


# Go 1.19 time.Parse(`"`+time.RFC3339+`"`, raw JSON): what time.Time.UnmarshalJSON does.
_TIME_LAYOUT = b'"2006-01-02T15:04:05Z07:00"'
_TIME_CHUNKS = (
    (b'"', b"2006"), (b"-", b"01"), (b"-", b"02"), (b"T", b"15"), (b":", b"04"),
    (b":", b"05"), (b"", b"Z07:00"), (b'"', b""),
)
_ZERO_TIME = -62135596800  # 0001-01-01T00:00:00Z, Go's zero time, in Unix seconds


def time_quote(data: bytes) -> str:
    """Go's ``time`` package ``quote``: bytes outside printable ASCII as ``\\xNN``."""
    out = ['"']
    for byte in data:
        if byte >= 0x80 or byte < 0x20:
            out.append(f"\\x{byte:02x}")
        elif byte in b'"\\':
            out.append("\\" + chr(byte))
        else:
            out.append(chr(byte))
    return "".join(out) + '"'


def _digit(data: bytes, index: int) -> bool:
    return index < len(data) and 0x30 <= data[index] <= 0x39


def _getnum(data: bytes, fixed: bool) -> tuple[int, bytes, bool]:
    """Go's ``getnum``: one or two digits (``fixed``: two)."""
    if not _digit(data, 0):
        return 0, data, False
    if not _digit(data, 1):
        if fixed:
            return 0, data, False
        return data[0] - 0x30, data[1:], True
    return (data[0] - 0x30) * 10 + data[1] - 0x30, data[2:], True


def _time_atoi(data: bytes) -> tuple[int, bool]:
    """Go ``time.atoi``: an optional sign and digits (none is 0)."""
    negative = data[:1] == b"-"
    if data[:1] in (b"-", b"+"):
        data = data[1:]
    if any(not 0x30 <= byte <= 0x39 for byte in data) or len(data) > 18:
        return 0, False
    number = int(data) if data else 0
    return (-number if negative else number), True


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (any year, 0 included)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def time_unmarshal_json(raw: bytes) -> float | None:
    """Go ``time.Time.UnmarshalJSON`` (go1.19): ``raw``, a JSON value's text as it was sent
    (string quotes and escapes included), parsed with ``time.Parse`` and the layout
    ``"2006-01-02T15:04:05Z07:00"`` (RFC 3339 in quotes).

    A four-digit year, two-digit month, day, minute and second, a one- or two-digit hour, an
    optional fraction of any length after ``.`` or ``,`` (truncated to nanoseconds), then
    ``Z`` or ``±hh:mm``. Upper-case ``T`` and ``Z`` only; no space for the ``T``; ranges
    checked as Go checks them.

    :returns: seconds since the epoch; ``None`` for ``null`` (which Go ignores) and for Go's
        zero time, ``0001-01-01T00:00:00Z`` in any zone.
    :raises InvalidArgumentError: with Go's text, e.g. ``parsing time "\\"2024-01-01
        12:00:00Z\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse " 12:00:00Z\\"" as
        "T"``.
    """
    if raw == b"null":
        return None
    value = raw
    year = month = day = hour = minute = second = nanos = offset = 0

    def cannot(elem: bytes, layout_elem: bytes) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"parsing time {time_quote(raw)} as {time_quote(_TIME_LAYOUT)}: cannot parse "
            f"{time_quote(elem)} as {time_quote(layout_elem)}"
        )

    def out_of_range(what: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"parsing time {time_quote(raw)}: {what} out of range")

    for prefix, std in _TIME_CHUNKS:
        if value[: len(prefix)] != prefix:
            raise cannot(value, prefix)
        value = value[len(prefix) :]
        if not std:
            if value:
                raise InvalidArgumentError(
                    f"parsing time {time_quote(raw)}: extra text: {time_quote(value)}"
                )
            break
        ok = True
        range_error = ""
        if std == b"2006":
            if len(value) < 4 or not _digit(value, 0):
                ok = False
            else:
                digits, value = value[:4], value[4:]
                year, ok = _time_atoi(digits)
        elif std == b"01":
            month, value, ok = _getnum(value, True)
            if ok and not 1 <= month <= 12:
                range_error = "month"
        elif std == b"02":
            day, value, ok = _getnum(value, True)
        elif std == b"15":
            hour, value, ok = _getnum(value, False)
            if not 0 <= hour < 24:
                range_error = "hour"
        elif std == b"04":
            minute, value, ok = _getnum(value, True)
            if not 0 <= minute < 60:
                range_error = "minute"
        elif std == b"05":
            second, value, ok = _getnum(value, True)
            if not 0 <= second < 60:
                range_error = "second"
            elif len(value) >= 2 and value[:1] in (b".", b",") and _digit(value, 1):
                end = 2
                while _digit(value, end):
                    end += 1
                digits = value[1 : min(end, 10)]
                nanos = int(digits) * 10 ** (9 - len(digits))
                value = value[end:]
                ok = True  # Go's parseNanoseconds clears getnum's error here
        else:  # Z07:00
            if value[:1] == b"Z":
                value = value[1:]
                offset = 0
            elif len(value) < 6 or value[3:4] != b":":
                ok = False
            else:
                sign, hours, minutes, value = value[:1], value[1:3], value[4:6], value[6:]
                hour_offset, ok = _time_atoi(hours)
                minute_offset = 0
                if ok:
                    minute_offset, ok = _time_atoi(minutes)
                offset = (hour_offset * 60 + minute_offset) * 60
                if sign == b"-":
                    offset = -offset
                elif sign != b"+":
                    ok = False
        if range_error:
            raise out_of_range(range_error)
        if not ok:
            raise cannot(value, std)
    if not 1 <= day <= _days_in(month, year):
        raise out_of_range("day")
    seconds = (
        _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    )
    if seconds == _ZERO_TIME and nanos == 0:
        return None
    return seconds + nanos / 1e9
