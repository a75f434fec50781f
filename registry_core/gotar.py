"""Go's ``archive/tar`` reader (Go 1.19, the one the reference is built with here).

Tarsum hashes the headers *as Go's tar reader decodes them* and re-encodes each entry with
Go's tar writer, whose refusals are tarsum's errors. Python's :mod:`tarfile` decodes many
fields differently (name prefixes, PAX precedence, sparse files, number parsing, format
detection), so this module ports Go's logic instead: a header is a :class:`TarHeader` whose
string fields are the raw bytes Go holds in its strings.

Only what tarsum needs is here: :class:`TarReader` (``Next``/``Read``); the writer is
:mod:`registry_core.gotar_writer`.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Protocol

from .errors import RegistryError

__all__ = [
    "TarError",
    "TarHeader",
    "TarReader",
        "FORMAT_UNKNOWN",
    "FORMAT_V7",
    "FORMAT_USTAR",
    "FORMAT_PAX",
    "FORMAT_GNU",
    "FORMAT_STAR",
    "ZERO_TIME",
]


class TarError(RegistryError):
    """A tar stream Go's ``archive/tar`` rejects; the message is Go's."""


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


ERR_HEADER = "archive/tar: invalid tar header"
ERR_WRITE_TOO_LONG = "archive/tar: write too long"
ERR_FIELD_TOO_LONG = "archive/tar: header field too long"
ERR_MISS_DATA = "archive/tar: sparse file references non-existent data"
ERR_UNREF_DATA = "archive/tar: sparse file contains unreferenced data"
UNEXPECTED_EOF = "unexpected EOF"

FORMAT_UNKNOWN = 0
FORMAT_V7 = 1
FORMAT_USTAR = 2
FORMAT_PAX = 4
FORMAT_GNU = 8
FORMAT_STAR = 16

TYPE_REG = ord("0")
TYPE_REGA = 0
TYPE_LINK = ord("1")
TYPE_SYMLINK = ord("2")
TYPE_CHAR = ord("3")
TYPE_BLOCK = ord("4")
TYPE_DIR = ord("5")
TYPE_FIFO = ord("6")
TYPE_XHEADER = ord("x")
TYPE_XGLOBAL = ord("g")
TYPE_GNU_SPARSE = ord("S")
TYPE_GNU_LONGNAME = ord("L")
TYPE_GNU_LONGLINK = ord("K")

BLOCK = 512
NAME_SIZE = 100
PREFIX_SIZE = 155
MAX_SPECIAL_FILE = 1 << 20
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

#: Go's zero ``time.Time`` as (Unix seconds, nanoseconds).
ZERO_TIME = (-62135596800, 0)
Time = tuple[int, int]

PAX_PATH = b"path"
PAX_LINKPATH = b"linkpath"
PAX_SIZE = b"size"
PAX_UID = b"uid"
PAX_GID = b"gid"
PAX_UNAME = b"uname"
PAX_GNAME = b"gname"
PAX_MTIME = b"mtime"
PAX_ATIME = b"atime"
PAX_CTIME = b"ctime"
PAX_NONE = b""
PAX_XATTR = b"SCHILY.xattr."
PAX_SPARSE = b"GNU.sparse."
_SPARSE_NUMBLOCKS = b"GNU.sparse.numblocks"
_SPARSE_OFFSET = b"GNU.sparse.offset"
_SPARSE_NUMBYTES = b"GNU.sparse.numbytes"
_SPARSE_MAP = b"GNU.sparse.map"
_SPARSE_NAME = b"GNU.sparse.name"
_SPARSE_MAJOR = b"GNU.sparse.major"
_SPARSE_MINOR = b"GNU.sparse.minor"
_SPARSE_SIZE = b"GNU.sparse.size"
_SPARSE_REALSIZE = b"GNU.sparse.realsize"
BASIC_KEYS = frozenset(
    [PAX_PATH, PAX_LINKPATH, PAX_SIZE, PAX_UID, PAX_GID, PAX_UNAME, PAX_GNAME,
     PAX_MTIME, PAX_ATIME, PAX_CTIME]
)
HEADER_ONLY_TYPES = frozenset([TYPE_LINK, TYPE_SYMLINK, TYPE_CHAR, TYPE_BLOCK, TYPE_DIR, TYPE_FIFO])

_HIGH_BYTES = bytes(range(0x80, 0x100))
_DECIMAL = re.compile(rb"[+-]?[0-9]+")
_OCTAL = re.compile(rb"[0-7]+")


@dataclasses.dataclass
class TarHeader:
    """Go's ``tar.Header``; strings are bytes, times are ``(seconds, nanoseconds)``."""

    typeflag: int = 0
    name: bytes = b""
    linkname: bytes = b""
    size: int = 0
    mode: int = 0
    uid: int = 0
    gid: int = 0
    uname: bytes = b""
    gname: bytes = b""
    mtime: Time = ZERO_TIME
    atime: Time = ZERO_TIME
    ctime: Time = ZERO_TIME
    devmajor: int = 0
    devminor: int = 0
    xattrs: dict[bytes, bytes] | None = None
    pax_records: dict[bytes, bytes] | None = None
    format: int = FORMAT_UNKNOWN


# -- Go's strconv, on bytes ------------------------------------------------------------------


def _parse_int64(text: bytes) -> int:
    """``strconv.ParseInt(text, 10, 64)``; ``ValueError`` on Go's errors."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError("syntax")
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError("range")
    return value


def _unix(sec: int, nsec: int) -> Time:
    """``time.Unix(sec, nsec)``, normalized so that ``0 <= nsec < 1e9``."""
    sec += nsec // 1_000_000_000
    return sec, nsec % 1_000_000_000


def is_ascii(data: bytes) -> bool:
    return all(0 < c < 0x80 for c in data)


def to_ascii(data: bytes) -> bytes:
    return bytes(c for c in data if 0 < c < 0x80)


def _parse_string(data: bytes) -> bytes:
    index = data.find(b"\x00")
    return data if index < 0 else data[:index]


class _Parser:
    def __init__(self) -> None:
        self.err: str | None = None

    def octal(self, data: bytes) -> int:
        data = data.strip(b" \x00")
        if not data:
            return 0
        text = _parse_string(data)
        if not _OCTAL.fullmatch(text):
            self.err = ERR_HEADER
            return 0
        value = int(text, 8)
        if value >= 1 << 64:
            self.err = ERR_HEADER
            value = (1 << 64) - 1
        return value - (1 << 64) if value >= 1 << 63 else value

    def numeric(self, data: bytes) -> int:
        if data and data[0] & 0x80:
            inv = 0xFF if data[0] & 0x40 else 0
            x = 0
            for i, c in enumerate(data):
                c ^= inv
                if i == 0:
                    c &= 0x7F
                if x >> 56:
                    self.err = ERR_HEADER
                    return 0
                x = (x << 8) | c
            if x >> 63:
                self.err = ERR_HEADER
                return 0
            return ~x if inv == 0xFF else x
        return self.octal(data)


def fits_base256(n: int, x: int) -> bool:
    bits = (n - 1) * 8
    return n >= 9 or (-(1 << bits) <= x < (1 << bits))


def fits_octal(n: int, x: int) -> bool:
    bits = (n - 1) * 3
    return x >= 0 and (n >= 22 or x < (1 << bits))


def _parse_pax_time(text: bytes) -> Time:
    seconds, dot, fraction = text.partition(b".")
    try:
        secs = _parse_int64(seconds)
    except ValueError:
        raise TarError(ERR_HEADER) from None
    if not dot or not fraction:
        return _unix(secs, 0)
    if fraction.strip(b"0123456789"):
        raise TarError(ERR_HEADER)
    fraction = (fraction + b"0" * 9)[:9]
    nsecs = int(fraction)
    if seconds.startswith(b"-"):
        return _unix(secs, -nsecs)
    return _unix(secs, nsecs)


def format_pax_time(ts: Time) -> bytes:
    secs, nsecs = ts
    if nsecs == 0:
        return str(secs).encode()
    sign = ""
    if secs < 0:
        sign = "-"
        secs = -(secs + 1)
        nsecs = -(nsecs - 1_000_000_000)
    return f"{sign}{secs}.{nsecs:09d}".rstrip("0").encode()


def valid_pax_record(key: bytes, value: bytes) -> bool:
    if not key or b"=" in key:
        return False
    if key in (PAX_PATH, PAX_LINKPATH, PAX_UNAME, PAX_GNAME):
        return b"\x00" not in value
    return b"\x00" not in key


def _parse_pax_record(data: bytes) -> tuple[bytes, bytes, bytes]:
    n_text, space, rest = data.partition(b" ")
    if not space:
        raise TarError(ERR_HEADER)
    try:
        n = _parse_int64(n_text)
    except ValueError:
        raise TarError(ERR_HEADER) from None
    if n < 5 or n > len(data):
        raise TarError(ERR_HEADER)
    n -= len(n_text) + 1
    if n <= 0:
        raise TarError(ERR_HEADER)
    record, newline, remainder = rest[: n - 1], rest[n - 1 : n], rest[n:]
    if newline != b"\n":
        raise TarError(ERR_HEADER)
    key, equals, value = record.partition(b"=")
    if not equals or not valid_pax_record(key, value):
        raise TarError(ERR_HEADER)
    return key, value, remainder


def format_pax_record(key: bytes, value: bytes) -> bytes:
    if not valid_pax_record(key, value):
        raise TarError(ERR_HEADER)
    size = len(key) + len(value) + 3
    size += len(str(size))
    record = str(size).encode() + b" " + key + b"=" + value + b"\n"
    if len(record) != size:
        size = len(record)
        record = str(size).encode() + b" " + key + b"=" + value + b"\n"
    return record


def block_padding(offset: int) -> int:
    return -offset & (BLOCK - 1)


# -- header blocks ---------------------------------------------------------------------------


def block_checksums(block: bytes | bytearray) -> tuple[int, int]:
    """Go's ``computeChecksum``: the unsigned and signed byte sums of a header block, with
    the checksum field counted as eight spaces."""
    outside = bytes(block[:148]) + bytes(block[156:])
    unsigned = sum(outside) + 8 * 0x20
    high = len(outside) - len(outside.translate(None, _HIGH_BYTES))
    return unsigned, unsigned - 256 * high


def _get_format(block: bytes) -> int:
    parser = _Parser()
    value = parser.octal(block[148:156])
    unsigned, signed = block_checksums(block)
    if parser.err is not None or value not in (unsigned, signed):
        return FORMAT_UNKNOWN
    magic, version, trailer = block[257:263], block[263:265], block[508:512]
    if magic == b"ustar\x00" and trailer == b"tar\x00":
        return FORMAT_STAR
    if magic == b"ustar\x00":
        return FORMAT_USTAR | FORMAT_PAX
    if magic == b"ustar " and version == b" \x00":
        return FORMAT_GNU
    return FORMAT_V7


# -- reading ---------------------------------------------------------------------------------


def _read_full(stream: _Reader, size: int) -> bytes:
    """``io.ReadFull``: ``b""`` for a clean EOF, a :class:`TarError` for a partial read."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = stream.read(size - len(chunks))
        if not chunk:
            if chunks:
                raise TarError(UNEXPECTED_EOF)
            return b""
        chunks += chunk
    return bytes(chunks)


class _RegFileReader:
    def __init__(self, stream: _Reader, nb: int) -> None:
        self.stream = stream
        self.nb = nb

    def read(self, size: int) -> bytes:
        size = min(size, self.nb)
        if size <= 0:
            return b""
        chunk = self.stream.read(size)
        if not chunk:
            raise TarError(UNEXPECTED_EOF)
        self.nb -= len(chunk)
        return chunk

    def physical_remaining(self) -> int:
        return self.nb


class _SparseFileReader:
    """Reads a sparse entry's logical bytes: data fragments from ``fr``, NULs in holes."""

    def __init__(self, fr: _RegFileReader, holes: list[tuple[int, int]]) -> None:
        self.fr = fr
        self.holes = holes  # (offset, length), normalized; the last one always remains
        self.pos = 0

    def logical_remaining(self) -> int:
        offset, length = self.holes[-1]
        return offset + length - self.pos

    def physical_remaining(self) -> int:
        return self.fr.physical_remaining()

    def read(self, size: int) -> bytes:
        want = min(size, self.logical_remaining())
        out = bytearray()
        while len(out) < want:
            hole_start, hole_length = self.holes[0]
            hole_end = hole_start + hole_length
            if self.pos < hole_start:
                need = min(want - len(out), hole_start - self.pos)
                got = bytearray()
                while len(got) < need:
                    chunk = self.fr.read(need - len(got))
                    if not chunk:
                        raise TarError(ERR_MISS_DATA)
                    got += chunk
                out += got
                self.pos += need
            else:
                need = min(want - len(out), hole_end - self.pos)
                out += bytes(need)
                self.pos += need
            if self.pos >= hole_end and len(self.holes) > 1:
                self.holes.pop(0)
        if self.logical_remaining() == 0 and self.physical_remaining() > 0:
            raise TarError(ERR_UNREF_DATA)
        return bytes(out)


def _validate_sparse(entries: list[tuple[int, int]], size: int) -> bool:
    if size < 0:
        return False
    previous_end = 0
    for offset, length in entries:
        if offset < 0 or length < 0 or offset > _INT64_MAX - length:
            return False
        if offset + length > size or previous_end > offset:
            return False
        previous_end = offset + length
    return True


def _invert_sparse(entries: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pre_offset = 0
    for offset, length in entries:
        if length == 0:
            continue
        if offset - pre_offset > 0:
            out.append((pre_offset, offset - pre_offset))
        pre_offset = offset + length
    out.append((pre_offset, size - pre_offset))
    return out


class TarReader:
    """Go's ``tar.Reader`` over ``stream``: :meth:`next` then :meth:`read` until ``b""``."""

    def __init__(self, stream: _Reader) -> None:
        self.stream = stream
        self.pad = 0
        self.curr: _RegFileReader | _SparseFileReader = _RegFileReader(stream, 0)
        self.err: TarError | None = None
        self.done = False

    def next(self) -> TarHeader | None:
        """The next entry's header, or ``None`` at the end of the archive (Go's ``io.EOF``)."""
        if self.err is not None:
            raise self.err
        if self.done:
            return None
        try:
            header = self._next()
        except TarError as exc:
            self.err = exc
            raise
        if header is None:
            self.done = True
        return header

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of the current entry; ``b""`` at its end."""
        if self.err is not None:
            raise self.err
        try:
            return self.curr.read(size)
        except TarError as exc:
            self.err = exc
            raise

    def _discard(self, n: int) -> bool:
        """Skip ``n`` bytes; ``False`` for a clean EOF."""
        while n > 0:
            chunk = self.stream.read(min(n, 65536))
            if not chunk:
                raise TarError(UNEXPECTED_EOF)
            n -= len(chunk)
        return True

    def _next(self) -> TarHeader | None:
        pax: dict[bytes, bytes] | None = None
        long_name = long_link = b""
        fmt = FORMAT_USTAR | FORMAT_PAX | FORMAT_GNU
        while True:
            self._discard(self.curr.physical_remaining())
            if self.pad:
                padding = self.stream.read(self.pad)
                got = len(padding)
                while padding and got < self.pad:
                    padding = self.stream.read(self.pad - got)
                    got += len(padding)
                if got < self.pad:
                    return None  # Go's tryReadFull: EOF within the padding ends the archive
            self.pad = 0
            read = self._read_header()
            if read is None:
                return None
            header, raw = read
            self._handle_regular_file(header)
            fmt &= header.format
            if header.typeflag in (TYPE_XHEADER, TYPE_XGLOBAL):
                fmt &= FORMAT_PAX
                pax = self._parse_pax()
                if header.typeflag == TYPE_XGLOBAL:
                    _merge_pax(header, pax)
                    return TarHeader(
                        name=header.name,
                        typeflag=header.typeflag,
                        xattrs=header.xattrs,
                        pax_records=header.pax_records,
                        format=fmt,
                    )
                continue
            if header.typeflag in (TYPE_GNU_LONGNAME, TYPE_GNU_LONGLINK):
                fmt &= FORMAT_GNU
                real = _parse_string(self._read_special_file())
                if header.typeflag == TYPE_GNU_LONGNAME:
                    long_name = real
                else:
                    long_link = real
                continue
            _merge_pax(header, pax)
            if long_name:
                header.name = long_name
            if long_link:
                header.linkname = long_link
            if header.typeflag == TYPE_REGA:
                header.typeflag = TYPE_DIR if header.name.endswith(b"/") else TYPE_REG
            self._handle_regular_file(header)
            self._handle_sparse_file(header, raw)
            if fmt & FORMAT_USTAR and fmt & FORMAT_PAX:
                fmt &= FORMAT_USTAR
            header.format = fmt
            return header

    def _handle_regular_file(self, header: TarHeader) -> None:
        nb = 0 if header.typeflag in HEADER_ONLY_TYPES else header.size
        if nb < 0:
            raise TarError(ERR_HEADER)
        self.pad = block_padding(nb)
        self.curr = _RegFileReader(self.stream, nb)

    def _handle_sparse_file(self, header: TarHeader, raw: bytearray) -> None:
        entries: list[tuple[int, int]] | None
        if header.typeflag == TYPE_GNU_SPARSE:
            entries = self._read_old_gnu_sparse_map(header, raw)
        else:
            entries = self._read_gnu_sparse_pax_headers(header)
        if entries is not None:
            if header.typeflag in HEADER_ONLY_TYPES or not _validate_sparse(entries, header.size):
                raise TarError(ERR_HEADER)
            holes = _invert_sparse(entries, header.size)
            assert isinstance(self.curr, _RegFileReader)
            self.curr = _SparseFileReader(self.curr, holes)

    def _read_gnu_sparse_pax_headers(self, header: TarHeader) -> list[tuple[int, int]] | None:
        records = header.pax_records or {}
        major, minor = records.get(_SPARSE_MAJOR, b""), records.get(_SPARSE_MINOR, b"")
        if major == b"0" and minor in (b"0", b"1"):
            is1x0 = False
        elif major == b"1" and minor == b"0":
            is1x0 = True
        elif major or minor:
            return None
        elif records.get(_SPARSE_MAP, b""):
            is1x0 = False
        else:
            return None
        header.format &= FORMAT_PAX
        name = records.get(_SPARSE_NAME, b"")
        if name:
            header.name = name
        size = records.get(_SPARSE_SIZE, b"") or records.get(_SPARSE_REALSIZE, b"")
        if size:
            try:
                header.size = _parse_int64(size)
            except ValueError:
                raise TarError(ERR_HEADER) from None
        if is1x0:
            return self._read_sparse_map_1x0()
        return _read_sparse_map_0x1(records)

    def _read_sparse_map_1x0(self) -> list[tuple[int, int]]:
        buffer = bytearray()
        newlines = 0

        def feed(n: int) -> None:
            nonlocal newlines
            while newlines < n:
                block = bytearray()
                while len(block) < BLOCK:
                    chunk = self.curr.read(BLOCK - len(block))
                    if not chunk:
                        raise TarError(UNEXPECTED_EOF)
                    block += chunk
                buffer.extend(block)
                newlines += block.count(b"\n")

        def token() -> bytes:
            nonlocal newlines
            newlines -= 1
            index = buffer.index(b"\n")
            tok = bytes(buffer[:index])
            del buffer[: index + 1]
            return tok

        feed(1)
        try:
            count = _parse_int64(token())
        except ValueError:
            raise TarError(ERR_HEADER) from None
        if count < 0 or 2 * count > _INT64_MAX:
            raise TarError(ERR_HEADER)
        feed(2 * count)
        entries = []
        for _ in range(count):
            try:
                offset, length = _parse_int64(token()), _parse_int64(token())
            except ValueError:
                raise TarError(ERR_HEADER) from None
            entries.append((offset, length))
        return entries

    def _read_old_gnu_sparse_map(
        self, header: TarHeader, raw: bytearray
    ) -> list[tuple[int, int]]:
        if _get_format(bytes(raw)) != FORMAT_GNU:
            raise TarError(ERR_HEADER)
        header.format &= FORMAT_GNU
        parser = _Parser()
        header.size = parser.numeric(bytes(raw[483:495]))
        if parser.err:
            raise TarError(parser.err)
        area = bytes(raw[386 : 386 + 24 * 4 + 1])
        entries: list[tuple[int, int]] = []
        while True:
            max_entries = len(area) // 24
            for i in range(max_entries):
                elem = area[i * 24 : i * 24 + 24]
                if elem[0] == 0:
                    break
                offset = parser.numeric(elem[:12])
                length = parser.numeric(elem[12:24])
                if parser.err:
                    raise TarError(parser.err)
                entries.append((offset, length))
            if area[24 * max_entries] > 0:
                block = _read_full(self.stream, BLOCK)
                if not block:
                    raise TarError(UNEXPECTED_EOF)
                area = block
                continue
            return entries

    def _read_special_file(self) -> bytes:
        data = bytearray()
        while len(data) <= MAX_SPECIAL_FILE:
            chunk = self.curr.read(MAX_SPECIAL_FILE + 1 - len(data))
            if not chunk:
                break
            data += chunk
        if len(data) > MAX_SPECIAL_FILE:
            raise TarError(ERR_FIELD_TOO_LONG)
        return bytes(data)

    def _parse_pax(self) -> dict[bytes, bytes]:
        data = self._read_special_file()
        sparse_map: list[bytes] = []
        records: dict[bytes, bytes] = {}
        while data:
            key, value, data = _parse_pax_record(data)
            if key in (_SPARSE_OFFSET, _SPARSE_NUMBYTES):
                if (
                    (len(sparse_map) % 2 == 0 and key != _SPARSE_OFFSET)
                    or (len(sparse_map) % 2 == 1 and key != _SPARSE_NUMBYTES)
                    or b"," in value
                ):
                    raise TarError(ERR_HEADER)
                sparse_map.append(value)
            else:
                records[key] = value
        if sparse_map:
            records[_SPARSE_MAP] = b",".join(sparse_map)
        return records

    def _read_header(self) -> tuple[TarHeader, bytearray] | None:
        block = _read_full(self.stream, BLOCK)
        if not block:
            return None
        if block == bytes(BLOCK):
            block = _read_full(self.stream, BLOCK)
            if not block:
                return None
            if block == bytes(BLOCK):
                return None
            raise TarError(ERR_HEADER)
        fmt = _get_format(block)
        if fmt == FORMAT_UNKNOWN:
            raise TarError(ERR_HEADER)
        p = _Parser()
        header = TarHeader()
        header.typeflag = block[156]
        header.name = _parse_string(block[0:100])
        header.linkname = _parse_string(block[157:257])
        header.size = p.numeric(block[124:136])
        header.mode = p.numeric(block[100:108])
        header.uid = p.numeric(block[108:116])
        header.gid = p.numeric(block[116:124])
        header.mtime = _unix(p.numeric(block[136:148]), 0)
        if fmt > FORMAT_V7:
            header.uname = _parse_string(block[265:297])
            header.gname = _parse_string(block[297:329])
            header.devmajor = p.numeric(block[329:337])
            header.devminor = p.numeric(block[337:345])
            prefix = b""
            if fmt & (FORMAT_USTAR | FORMAT_PAX):
                header.format = fmt
                prefix = _parse_string(block[345:500])
                if max(block) >= 0x80:
                    header.format = FORMAT_UNKNOWN
                fields = (block[124:136], block[100:108], block[108:116], block[116:124],
                          block[136:148], block[329:337], block[337:345])
                if not all(field[-1] == 0 for field in fields):
                    header.format = FORMAT_UNKNOWN
            elif fmt & FORMAT_STAR:
                prefix = _parse_string(block[345:476])
                header.atime = _unix(p.numeric(block[476:488]), 0)
                header.ctime = _unix(p.numeric(block[488:500]), 0)
            elif fmt & FORMAT_GNU:
                header.format = fmt
                p2 = _Parser()
                if block[345] != 0:
                    header.atime = _unix(p2.numeric(block[345:357]), 0)
                if block[357] != 0:
                    header.ctime = _unix(p2.numeric(block[357:369]), 0)
                if p2.err is not None:
                    header.atime = header.ctime = ZERO_TIME
                    candidate = _parse_string(block[345:500])
                    if is_ascii(candidate):
                        prefix = candidate
                    header.format = FORMAT_UNKNOWN
            if prefix:
                header.name = prefix + b"/" + header.name
        if p.err is not None:
            raise TarError(p.err)
        return header, bytearray(block)


def _read_sparse_map_0x1(records: dict[bytes, bytes]) -> list[tuple[int, int]]:
    try:
        count = _parse_int64(records.get(_SPARSE_NUMBLOCKS, b""))
    except ValueError:
        raise TarError(ERR_HEADER) from None
    if count < 0 or 2 * count > _INT64_MAX:
        raise TarError(ERR_HEADER)
    parts = records.get(_SPARSE_MAP, b"").split(b",")
    if parts == [b""]:
        parts = []
    if len(parts) != 2 * count:
        raise TarError(ERR_HEADER)
    entries = []
    for i in range(0, len(parts), 2):
        try:
            entries.append((_parse_int64(parts[i]), _parse_int64(parts[i + 1])))
        except ValueError:
            raise TarError(ERR_HEADER) from None
    return entries


def _merge_pax(header: TarHeader, records: dict[bytes, bytes] | None) -> None:
    """Go's ``mergePAX``: PAX records override the block's fields."""
    for key, value in (records or {}).items():
        if not value:
            continue
        try:
            if key == PAX_PATH:
                header.name = value
            elif key == PAX_LINKPATH:
                header.linkname = value
            elif key == PAX_UNAME:
                header.uname = value
            elif key == PAX_GNAME:
                header.gname = value
            elif key == PAX_UID:
                header.uid = _parse_int64(value)
            elif key == PAX_GID:
                header.gid = _parse_int64(value)
            elif key == PAX_ATIME:
                header.atime = _parse_pax_time(value)
            elif key == PAX_MTIME:
                header.mtime = _parse_pax_time(value)
            elif key == PAX_CTIME:
                header.ctime = _parse_pax_time(value)
            elif key == PAX_SIZE:
                header.size = _parse_int64(value)
            elif key.startswith(PAX_XATTR):
                if header.xattrs is None:
                    header.xattrs = {}
                header.xattrs[key[len(PAX_XATTR):]] = value
        except (ValueError, TarError):
            raise TarError(ERR_HEADER) from None
    header.pax_records = records


