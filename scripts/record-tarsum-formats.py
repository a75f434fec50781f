#!/usr/bin/env python3
"""Record tarsum cases for tar formats the shared vectors do not hold.

Builds archives (Python's tarfile for USTAR/GNU/PAX variants, GNU tar for sparse files,
hand-made blocks for V7 and malformed input), asks the Go reference oracle
(``/tmp/registry-oracle/oracle``, or ``$ORACLE``) for each one's sum, and writes
``tests/vectors/recorded/tarsum_formats.jsonl``. Run it again after changing the cases;
review the diff.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "vectors" / "recorded" / "tarsum_formats.jsonl"
ORACLE = os.environ.get("ORACLE", "/tmp/registry-oracle/oracle")


def build(fmt: int, entries: list[tuple[tarfile.TarInfo, bytes]], **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt, **kwargs) as tar:  # type: ignore[call-overload]
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def info(
    name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, **fields: object
) -> tarfile.TarInfo:
    item = tarfile.TarInfo(name)
    item.type = kind
    item.size = size
    item.mtime = fields.pop("mtime", 1_600_000_000)  # type: ignore[assignment]
    item.mode = fields.pop("mode", 0o644)  # type: ignore[assignment]
    for key, value in fields.items():
        setattr(item, key, value)
    return item


def file(name: str, data: bytes, **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    return info(name, tarfile.REGTYPE, len(data), **fields), data


def cases() -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    long_name = "deep/" + "d" * 120 + "/" + "f" * 90
    longer = "x" * 300
    for fmt, label in ((tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax"),
                       (tarfile.USTAR_FORMAT, "ustar")):
        entries = [
            (info("emptydir/", tarfile.DIRTYPE, mode=0o755), b""),
            file("a/file", b"hello\n", uname="alice", gname="staff", uid=1000, gid=1000),
            (info("a/hard", tarfile.LNKTYPE, linkname="a/file"), b""),
            (info("a/sym", tarfile.SYMTYPE, linkname="../target"), b""),
            (info("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3), b""),
            (info("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0), b""),
            (info("fifo", tarfile.FIFOTYPE), b""),
            file("./dot/../norm", b"x" * 1500),
            file(long_name, b"long"),
        ]
        out.append((f"{label}: kinds and a name for the prefix field", build(fmt, entries)))
    out.append(("gnu: long names and links (L/K entries)", build(tarfile.GNU_FORMAT, [
        file(longer, b"data"),
        (info("l", tarfile.SYMTYPE, linkname=longer), b""),
        (info("h" * 150, tarfile.LNKTYPE, linkname=longer), b""),
    ])))
    out.append(("gnu: base-256 uid, gid and size fields", build(tarfile.GNU_FORMAT, [
        file("big", b"z", uid=1 << 40, gid=1 << 33),
        file("neg-mtime", b"n", mtime=-1000),
    ])))
    out.append(("pax: long paths, big ids, fractional and negative mtimes, unicode", build(
        tarfile.PAX_FORMAT, [
            file(longer, b"data", uid=1 << 40, gid=1 << 22),
            file("frac", b"f", mtime=1_600_000_000.75),
            file("neg", b"n", mtime=-1.25),
            file("ünïcödé/naïve", b"u", uname="jöhn", gname="grüp"),
            (info("lnk", tarfile.SYMTYPE, linkname=longer), b""),
        ])))
    xattrs = tarfile.TarInfo("xattr-file")
    xattrs.size = 3
    xattrs.mtime = 1_600_000_000
    xattrs.pax_headers = {"SCHILY.xattr.user.b": "2", "SCHILY.xattr.user.a": "1",
                          "SCHILY.xattr.security.selinux": "ctx", "comment": "kept"}
    empty_xattr = tarfile.TarInfo("xattr-empty")
    empty_xattr.mtime = 1_600_000_000
    empty_xattr.pax_headers = {"SCHILY.xattr.user.empty": ""}
    out.append(("pax: xattrs in several keys, an empty one, another record", build(
        tarfile.PAX_FORMAT, [(xattrs, b"abc"), (empty_xattr, b""), file("plain", b"p")])))
    out.append(("pax: a global header", build(
        tarfile.PAX_FORMAT, [file("g1", b"1"), file("g2", b"2")],
        pax_headers={"comment": "global", "mtime": "5"})))
    rng = random.Random(11)
    dup_entries = []
    for index in range(40):
        name = f"dup/{rng.randrange(6)}"
        dup_entries.append(file(name, bytes([rng.randrange(256)]) * rng.randrange(3),
                                mtime=1_600_000_000 + index))
    out.append(("pax: 40 entries over 6 paths (the sort with duplicate paths)",
                build(tarfile.PAX_FORMAT, dup_entries)))
    out.append(("ustar: one path twice", build(tarfile.USTAR_FORMAT, [
        file("same", b"first"), file("other", b"o"), file("same", b"second")])))
    many = [file(f"m/{index:03d}", bytes([index]) * index) for index in range(70)]
    out.append(("gnu: 70 entries (the sort's larger cases)", build(tarfile.GNU_FORMAT, many)))
    out.append(("empty archive", b""))
    out.append(("end-of-archive blocks only", bytes(1024)))
    v7 = bytearray(build(tarfile.USTAR_FORMAT, [file("v7file", b"seven"), file("v7dir/", b"")]))
    for offset in (0, 1024):
        block = v7[offset:offset + 512]
        block[257:265] = bytes(8)
        block[156] = 0
        block[148:156] = b" " * 8
        checksum = sum(block)
        block[148:156] = f"{checksum:06o}\x00 ".encode()
        v7[offset:offset + 512] = block
    out.append(("v7: no magic, NUL type flags (file and trailing-slash directory)", bytes(v7)))
    plain = build(tarfile.USTAR_FORMAT, [file("f", b"content" * 100)])
    out.append(("error: truncated inside the file data", plain[:700]))
    out.append(("no end blocks, cut after the data padding", plain[:1536]))
    out.append(("cut inside the padding after the data", plain[:1300]))
    bad = bytearray(plain)
    bad[148:156] = b"0000000\x00"
    out.append(("error: bad header checksum", bytes(bad)))
    slash = bytearray(build(tarfile.USTAR_FORMAT, [file("dir/", b"")]))
    slash[156] = ord("0")
    block = slash[:512]
    block[148:156] = b" " * 8
    slash[148:156] = f"{sum(block):06o}\x00 ".encode()
    out.append(("error: a regular file named with a trailing slash", bytes(slash)))
    out.extend(sparse_cases())
    return out


def sparse_cases() -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "sparse")
        with path.open("wb") as handle:
            handle.seek(100_000)
            handle.write(b"middle")
            handle.seek(300_000)
            handle.write(b"end")
        posix = ["--format=posix", "--pax-option=delete=atime,delete=ctime"]
        for label, args in (("gnu", ["--format=gnu"]),
                            ("posix 0.0", [*posix, "--sparse-version=0.0"]),
                            ("posix 0.1", [*posix, "--sparse-version=0.1"]),
                            ("posix 1.0", [*posix, "--sparse-version=1.0"])):
            data = subprocess.run(
                ["tar", "-c", "-S", *args, "--mtime=@1600000000", "--owner=0", "--group=0",
                 "--numeric-owner", "-C", tmp, "sparse"],
                check=True, capture_output=True,
            ).stdout
            found.append((f"sparse file, GNU tar {label}", data))
    return found


def main() -> None:
    lines = []
    requests = []
    for description, data in cases():
        for version in (0, 1):
            extra = '{"id": "' + "c" * 64 + '"}' if version == 0 else ""
            requests.append((description, {"op": "tarsum",
                                           "input": base64.b64encode(data).decode(),
                                           "version": version, "extra": extra}))
    answer = subprocess.run(
        [ORACLE], input="".join(json.dumps(r) + "\n" for _, r in requests),
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    for (description, request), line in zip(requests, answer, strict=True):
        lines.append(json.dumps({"description": description, **request,
                                 "expect": json.loads(line)}))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} cases to {OUT}")


if __name__ == "__main__":
    main()
