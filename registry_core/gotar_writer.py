"""Go's ``archive/tar`` writer (Go 1.19), as tarsum re-encodes each entry with it.

Header validation (``allowedFormats``) decides which of USTAR, PAX and GNU can encode a
header and refuses what none can, with Go's messages; those refusals are tarsum's errors. One
deliberate difference: an old-GNU sparse entry (type ``S``), which Go 1.19 writes without its
sparse map (so that the output does not read back), is written as a regular file holding the
expanded bytes.
"""

from __future__ import annotations

import dataclasses

from .gocompat import go_quote
from .gopath import go_join, go_split
from .gotar import (
    BASIC_KEYS,
    BLOCK,
    ERR_FIELD_TOO_LONG,
    ERR_WRITE_TOO_LONG,
    FORMAT_GNU,
    FORMAT_PAX,
    FORMAT_STAR,
    FORMAT_UNKNOWN,
    FORMAT_USTAR,
    FORMAT_V7,
    HEADER_ONLY_TYPES,
    MAX_SPECIAL_FILE,
    NAME_SIZE,
    PAX_ATIME,
    PAX_CTIME,
    PAX_GID,
    PAX_GNAME,
    PAX_LINKPATH,
    PAX_MTIME,
    PAX_NONE,
    PAX_PATH,
    PAX_SIZE,
    PAX_SPARSE,
    PAX_UID,
    PAX_UNAME,
    PAX_XATTR,
    PREFIX_SIZE,
    TYPE_BLOCK,
    TYPE_CHAR,
    TYPE_DIR,
    TYPE_FIFO,
    TYPE_GNU_LONGLINK,
    TYPE_GNU_LONGNAME,
    TYPE_GNU_SPARSE,
    TYPE_REG,
    TYPE_REGA,
    TYPE_XGLOBAL,
    TYPE_XHEADER,
    ZERO_TIME,
    TarError,
    TarHeader,
    Time,
    block_checksums,
    block_padding,
    fits_base256,
    fits_octal,
    format_pax_record,
    format_pax_time,
    is_ascii,
    to_ascii,
    valid_pax_record,
)

__all__ = ["TarWriter"]


# -- writing ---------------------------------------------------------------------------------


def _header_error(*reasons: str) -> TarError:
    kept = [reason for reason in reasons if reason]
    prefix = "archive/tar: cannot encode header"
    return TarError(prefix if not kept else f"{prefix}: {'; and '.join(kept)}")


def _split_ustar_path(name: bytes) -> tuple[bytes, bytes] | None:
    length = len(name)
    if length <= NAME_SIZE or not is_ascii(name):
        return None
    if length > PREFIX_SIZE + 1:
        length = PREFIX_SIZE + 1
    elif name[length - 1 : length] == b"/":
        length -= 1
    i = name.rfind(b"/", 0, length)
    nlen = len(name) - i - 1
    if i <= 0 or nlen > NAME_SIZE or nlen == 0 or i > PREFIX_SIZE:
        return None
    return name[:i], name[i + 1 :]


def _allowed_formats(h: TarHeader) -> tuple[int, dict[bytes, bytes], TarError | None]:
    """Go's ``Header.allowedFormats``: which formats can encode ``h``, with its PAX records."""
    fmt = FORMAT_USTAR | FORMAT_PAX | FORMAT_GNU
    pax: dict[bytes, bytes] = {}
    why_no_ustar = why_no_pax = why_no_gnu = ""
    prefer_pax = False
    records = h.pax_records or {}

    def verify_string(s: bytes, size: int, name: str, key: bytes) -> None:
        nonlocal fmt, why_no_ustar, why_no_pax, why_no_gnu
        too_long = len(s) > size
        allow_long_gnu = key in (PAX_PATH, PAX_LINKPATH)
        if b"\x00" in s or (too_long and not allow_long_gnu):
            why_no_gnu = f"GNU cannot encode {name}={go_quote(s)}"
            fmt &= ~FORMAT_GNU
        if not is_ascii(s) or too_long:
            if key != PAX_PATH or _split_ustar_path(s) is None:
                why_no_ustar = f"USTAR cannot encode {name}={go_quote(s)}"
                fmt &= ~FORMAT_USTAR
            if key == PAX_NONE:
                why_no_pax = f"PAX cannot encode {name}={go_quote(s)}"
                fmt &= ~FORMAT_PAX
            else:
                pax[key] = s
        if key in records and records[key] == s:
            pax[key] = s

    def verify_numeric(n: int, size: int, name: str, key: bytes) -> None:
        nonlocal fmt, why_no_ustar, why_no_pax, why_no_gnu
        if not fits_base256(size, n):
            why_no_gnu = f"GNU cannot encode {name}={n}"
            fmt &= ~FORMAT_GNU
        if not fits_octal(size, n):
            why_no_ustar = f"USTAR cannot encode {name}={n}"
            fmt &= ~FORMAT_USTAR
            if key == PAX_NONE:
                why_no_pax = f"PAX cannot encode {name}={n}"
                fmt &= ~FORMAT_PAX
            else:
                pax[key] = str(n).encode()
        if key in records and records[key] == str(n).encode():
            pax[key] = records[key]

    def verify_time(ts: Time, size: int, name: str, key: bytes) -> None:
        nonlocal fmt, why_no_ustar, why_no_pax, why_no_gnu, prefer_pax
        if ts == ZERO_TIME:
            return
        if not fits_base256(size, ts[0]):
            why_no_gnu = f"GNU cannot encode {name}={ts[0]}"
            fmt &= ~FORMAT_GNU
        is_mtime = key == PAX_MTIME
        octal_ok = fits_octal(size, ts[0])
        if (is_mtime and not octal_ok) or not is_mtime:
            why_no_ustar = f"USTAR cannot encode {name}={ts[0]}"
            fmt &= ~FORMAT_USTAR
        if not is_mtime or not octal_ok or ts[1] != 0:
            prefer_pax = True
            if key == PAX_NONE:
                why_no_pax = f"PAX cannot encode {name}={ts[0]}"
                fmt &= ~FORMAT_PAX
            else:
                pax[key] = format_pax_time(ts)
        if key in records and records[key] == format_pax_time(ts):
            pax[key] = records[key]

    verify_string(h.name, 100, "Name", PAX_PATH)
    verify_string(h.linkname, 100, "Linkname", PAX_LINKPATH)
    verify_string(h.uname, 32, "Uname", PAX_UNAME)
    verify_string(h.gname, 32, "Gname", PAX_GNAME)
    verify_numeric(h.mode, 8, "Mode", PAX_NONE)
    verify_numeric(h.uid, 8, "Uid", PAX_UID)
    verify_numeric(h.gid, 8, "Gid", PAX_GID)
    verify_numeric(h.size, 12, "Size", PAX_SIZE)
    verify_numeric(h.devmajor, 8, "Devmajor", PAX_NONE)
    verify_numeric(h.devminor, 8, "Devminor", PAX_NONE)
    verify_time(h.mtime, 12, "ModTime", PAX_MTIME)
    verify_time(h.atime, 12, "AccessTime", PAX_ATIME)
    verify_time(h.ctime, 12, "ChangeTime", PAX_CTIME)

    why_only_pax = why_only_gnu = ""
    if h.typeflag in (TYPE_REG, TYPE_CHAR, TYPE_BLOCK, TYPE_FIFO, TYPE_GNU_SPARSE):
        if h.name.endswith(b"/"):
            return FORMAT_UNKNOWN, {}, _header_error("filename may not have trailing slash")
    elif h.typeflag in (TYPE_XHEADER, TYPE_GNU_LONGNAME, TYPE_GNU_LONGLINK):
        return FORMAT_UNKNOWN, {}, _header_error(
            "cannot manually encode TypeXHeader, TypeGNULongName, or TypeGNULongLink headers"
        )
    elif h.typeflag == TYPE_XGLOBAL:
        h2 = TarHeader(name=h.name, typeflag=h.typeflag, xattrs=h.xattrs,
                       pax_records=h.pax_records, format=h.format)
        if h != h2:
            return FORMAT_UNKNOWN, {}, _header_error(
                "only PAXRecords should be set for TypeXGlobalHeader"
            )
        why_only_pax = "only PAX supports TypeXGlobalHeader"
        fmt &= FORMAT_PAX
    if h.typeflag not in HEADER_ONLY_TYPES and h.size < 0:
        return FORMAT_UNKNOWN, {}, _header_error("negative size on header-only type")

    if h.xattrs:
        for key, value in h.xattrs.items():
            pax[PAX_XATTR + key] = value
        why_only_pax = "only PAX supports Xattrs"
        fmt &= FORMAT_PAX
    if h.pax_records:
        for key, value in h.pax_records.items():
            if key in pax:
                continue
            if h.typeflag == TYPE_XGLOBAL or (
                key not in BASIC_KEYS and not key.startswith(PAX_SPARSE)
            ):
                pax[key] = value
        why_only_pax = "only PAX supports PAXRecords"
        fmt &= FORMAT_PAX
    for key, value in pax.items():
        if not valid_pax_record(key, value):
            record = go_quote(key + b" = " + value)
            return FORMAT_UNKNOWN, {}, _header_error(f"invalid PAX record: {record}")

    want = h.format
    if want != FORMAT_UNKNOWN:
        if want & FORMAT_PAX and not prefer_pax:
            want |= FORMAT_USTAR
        fmt &= want
    error = None
    if fmt == FORMAT_UNKNOWN:
        if h.format == FORMAT_USTAR:
            error = _header_error("Format specifies USTAR", why_no_ustar, why_only_pax,
                                  why_only_gnu)
        elif h.format == FORMAT_PAX:
            error = _header_error("Format specifies PAX", why_no_pax, why_only_gnu)
        elif h.format == FORMAT_GNU:
            error = _header_error("Format specifies GNU", why_no_gnu, why_only_pax)
        else:
            error = _header_error(why_no_ustar, why_no_pax, why_no_gnu, why_only_pax,
                                  why_only_gnu)
    return fmt, pax, error


class _Formatter:
    def __init__(self) -> None:
        self.err: str | None = None

    def string(self, block: bytearray, start: int, size: int, s: bytes) -> None:
        if len(s) > size:
            self.err = ERR_FIELD_TOO_LONG
        block[start : start + size] = (s[:size] + bytes(size))[:size]
        if len(s) > size and block[start + size - 1] == ord("/"):
            n = len(s[:size].rstrip(b"/"))
            block[start + n] = 0

    def octal(self, block: bytearray, start: int, size: int, x: int) -> None:
        if not fits_octal(size, x):
            x = 0
            self.err = ERR_FIELD_TOO_LONG
        text = format(x, "o")
        pad = size - len(text) - 1
        if pad > 0:
            text = "0" * pad + text
        self.string(block, start, size, text.encode())

    def numeric(self, block: bytearray, start: int, size: int, x: int) -> None:
        if fits_octal(size, x):
            self.octal(block, start, size, x)
            return
        if fits_base256(size, x):
            for i in range(size - 1, -1, -1):
                block[start + i] = x & 0xFF
                x >>= 8
            block[start] |= 0x80
            return
        self.octal(block, start, size, 0)
        self.err = ERR_FIELD_TOO_LONG


def _set_format(block: bytearray, fmt: int) -> None:
    if fmt & FORMAT_V7:
        pass
    elif fmt & FORMAT_GNU:
        block[257:265] = b"ustar  \x00"
    elif fmt & FORMAT_STAR:
        block[257:265] = b"ustar\x0000"
        block[508:512] = b"tar\x00"
    elif fmt & (FORMAT_USTAR | FORMAT_PAX):
        block[257:265] = b"ustar\x0000"
    unsigned, _ = block_checksums(block)
    _Formatter().octal(block, 148, 7, unsigned)
    block[155] = ord(" ")


class TarWriter:
    """Go's ``tar.Writer`` appending to :attr:`out` (a ``bytearray`` the caller drains)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.pad = 0
        self.remaining = 0

    def flush(self) -> None:
        if self.remaining > 0:
            raise TarError(f"archive/tar: missed writing {self.remaining} bytes")
        self.out += bytes(self.pad)
        self.pad = 0

    def write_header(self, header: TarHeader) -> None:
        self.flush()
        h = dataclasses.replace(header)
        if h.typeflag == TYPE_REGA:
            h.typeflag = TYPE_DIR if h.name.endswith(b"/") else TYPE_REG
        if h.format == FORMAT_UNKNOWN:
            sec, nsec = h.mtime
            h.mtime = (sec, 0) if nsec < 500_000_000 else (sec + 1, 0)
            h.atime = h.ctime = ZERO_TIME
        if h.typeflag == TYPE_GNU_SPARSE:
            # Beyond Go: write the expanded bytes as a regular file, which reads back.
            h.typeflag = TYPE_REG
        allowed, pax, error = _allowed_formats(h)
        if allowed & FORMAT_USTAR:
            self._write_ustar(h)
        elif allowed & FORMAT_PAX:
            self._write_pax(h, pax)
        elif allowed & FORMAT_GNU:
            self._write_gnu(h)
        else:
            assert error is not None
            raise error

    def _template(
        self, h: TarHeader, numeric: bool, ascii_only: bool
    ) -> tuple[bytearray, _Formatter]:
        block = bytearray(BLOCK)
        f = _Formatter()
        number = f.numeric if numeric else f.octal

        def text(start: int, size: int, s: bytes) -> None:
            f.string(block, start, size, to_ascii(s) if ascii_only else s)

        mtime = (0, 0) if h.mtime == ZERO_TIME else h.mtime
        block[156] = h.typeflag
        text(0, 100, h.name)
        text(157, 100, h.linkname)
        number(block, 100, 8, h.mode)
        number(block, 108, 8, h.uid)
        number(block, 116, 8, h.gid)
        number(block, 124, 12, h.size)
        number(block, 136, 12, mtime[0])
        text(265, 32, h.uname)
        text(297, 32, h.gname)
        number(block, 329, 8, h.devmajor)
        number(block, 337, 8, h.devminor)
        return block, f

    def _write_ustar(self, h: TarHeader) -> None:
        prefix = b""
        split = _split_ustar_path(h.name)
        if split is not None:
            prefix, h.name = split
        block, f = self._template(h, numeric=False, ascii_only=False)
        f.string(block, 345, 155, prefix)
        _set_format(block, FORMAT_USTAR)
        if f.err:
            raise TarError(f.err)
        self._write_raw_header(block, h.size, h.typeflag)

    def _write_pax(self, h: TarHeader, pax: dict[bytes, bytes]) -> None:
        is_global = h.typeflag == TYPE_XGLOBAL
        if pax or is_global:
            data = b"".join(format_pax_record(key, pax[key]) for key in sorted(pax))
            if is_global:
                name = h.name or b"GlobalHead.0.0"
                flag = TYPE_XGLOBAL
            else:
                directory, file = go_split(h.name)
                name = go_join(directory, b"PaxHeaders.0", file)
                flag = TYPE_XHEADER
            if len(data) > MAX_SPECIAL_FILE:
                raise TarError(ERR_FIELD_TOO_LONG)
            self._write_raw_file(name, data, flag, FORMAT_PAX)
            if is_global:
                return
        block, _f = self._template(h, numeric=False, ascii_only=True)
        _set_format(block, FORMAT_PAX)
        self._write_raw_header(block, h.size, h.typeflag)

    def _write_gnu(self, h: TarHeader) -> None:
        if len(h.name) > NAME_SIZE:
            self._write_raw_file(b"././@LongLink", h.name + b"\x00", TYPE_GNU_LONGNAME,
                                 FORMAT_GNU)
        if len(h.linkname) > NAME_SIZE:
            self._write_raw_file(b"././@LongLink", h.linkname + b"\x00", TYPE_GNU_LONGLINK,
                                 FORMAT_GNU)
        block, f = self._template(h, numeric=True, ascii_only=False)
        if h.atime != ZERO_TIME:
            f.numeric(block, 345, 12, h.atime[0])
        if h.ctime != ZERO_TIME:
            f.numeric(block, 357, 12, h.ctime[0])
        _set_format(block, FORMAT_GNU)
        self._write_raw_header(block, h.size, h.typeflag)

    def _write_raw_file(self, name: bytes, data: bytes, flag: int, fmt: int) -> None:
        block = bytearray(BLOCK)
        name = to_ascii(name)[:NAME_SIZE].rstrip(b"/")
        f = _Formatter()
        block[156] = flag
        f.string(block, 0, 100, name)
        for start, size, value in ((100, 8, 0), (108, 8, 0), (116, 8, 0),
                                   (124, 12, len(data)), (136, 12, 0)):
            f.octal(block, start, size, value)
        _set_format(block, fmt)
        if f.err:
            raise TarError(f.err)
        self._write_raw_header(block, len(data), flag)
        self.write(data)

    def _write_raw_header(self, block: bytearray, size: int, flag: int) -> None:
        self.flush()
        self.out += block
        if flag in HEADER_ONLY_TYPES:
            size = 0
        self.remaining = size
        self.pad = block_padding(size)

    def write(self, data: bytes) -> None:
        if len(data) > self.remaining:
            raise TarError(ERR_WRITE_TOO_LONG)
        self.out += data
        self.remaining -= len(data)

    def close(self) -> None:
        self.flush()
        self.out += bytes(2 * BLOCK)
