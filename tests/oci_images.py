"""Images for the content tests, written as OCI layouts and pushed with the real skopeo.

The layouts are written here byte by byte (``oci-layout``, ``index.json``, ``blobs/``) with
layers gzipped once with a fixed mtime, so their digests are fixed by the content alone;
``skopeo copy --all`` pushes them unchanged (it does not recompress), so the digests the
tests expect are the ones another client produced.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.programs import require_program

__all__ = ["OCI_INDEX", "OCI_MANIFEST", "Layout", "skopeo", "write_layout"]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tar(name: str, content: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        info.mtime = 0
        archive.addfile(info, io.BytesIO(content))
    return raw.getvalue()


@dataclass
class Image:
    """One platform's image in a layout: its manifest bytes and digest, and its blobs."""

    platform: str
    manifest: bytes
    digest: str
    blobs: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Layout:
    """An OCI layout on disk: ``path``, the top ``digest`` (an index, or the one image's
    manifest), its bytes ``top``, and the ``images``."""

    path: Path
    tag: str
    digest: str
    top: bytes
    media_type: str
    images: list[Image]

    @property
    def source(self) -> str:
        return f"oci:{self.path}:{self.tag}"

    def blob(self, digest: str) -> bytes:
        return (self.path / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()


def _image(platform: str, label: str, big: int, blobs: dict[str, bytes]) -> Image:
    os_name, arch = platform.split("/")[:2]
    contents = [f"{label} {platform}\n".encode()]
    if big:
        # Incompressible, so the gzipped layer is as large as asked.
        contents.append(random.Random(f"{label}{platform}").randbytes(big))
    layers, diff_ids = [], []
    for number, content in enumerate(contents):
        tar = _tar(f"file{number}", content)
        layer = gzip.compress(tar, compresslevel=1, mtime=0)
        blobs[_digest(layer)] = layer
        layers.append({"mediaType": OCI_LAYER_GZIP, "digest": _digest(layer),
                       "size": len(layer)})
        diff_ids.append(_digest(tar))
    config = json.dumps({
        "architecture": arch, "os": os_name,
        "config": {"Labels": {"test": label}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, sort_keys=True).encode()
    blobs[_digest(config)] = config
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": _digest(config), "size": len(config)},
        "layers": layers,
    }, indent=2).encode()
    blobs[_digest(manifest)] = manifest
    wanted = [_digest(config)] + [str(x["digest"]) for x in layers]
    return Image(platform, manifest, _digest(manifest), {d: blobs[d] for d in wanted})


def write_layout(
    directory: Path, *, label: str = "app", platforms: tuple[str, ...] = ("linux/amd64",),
    big: int = 0, tag: str = "latest",
) -> Layout:
    """Write an OCI layout: one image, or an index of one image per platform when
    several are given. ``big`` adds an incompressible layer of that many bytes."""
    blobs: dict[str, bytes] = {}
    images = [_image(p, label, big, blobs) for p in platforms]
    if len(images) == 1:
        top, media_type = images[0].manifest, OCI_MANIFEST
    else:
        entries = []
        for image in images:
            os_name, arch, *variant = image.platform.split("/")
            plat = {"architecture": arch, "os": os_name}
            if variant:
                plat["variant"] = variant[0]
            entries.append({"mediaType": OCI_MANIFEST, "digest": image.digest,
                            "size": len(image.manifest), "platform": plat})
        top = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                          "manifests": entries}, indent=2).encode()
        media_type = OCI_INDEX
        blobs[_digest(top)] = top
    root = directory / "layout"
    (root / "blobs" / "sha256").mkdir(parents=True)
    for digest, data in blobs.items():
        (root / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(data)
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (root / "index.json").write_text(json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": media_type, "digest": _digest(top), "size": len(top),
                       "annotations": {"org.opencontainers.image.ref.name": tag}}],
    }))
    return Layout(root, tag, _digest(top), top, media_type, images)


def skopeo(*args: str, cwd: Path | None = None) -> bytes:
    """Run the real skopeo; its stdout. Fails the test with skopeo's stderr."""
    program = require_program("skopeo")
    result = subprocess.run(
        [program, "--insecure-policy", *args], capture_output=True, timeout=120, cwd=cwd,
    )
    if result.returncode != 0:
        raise AssertionError(f"skopeo {' '.join(args)} failed: {result.stderr.decode()}")
    return result.stdout


def push_layout(layout: Layout, host: str, name: str, tag: str, *extra: str) -> None:
    """``skopeo copy --all oci:LAYOUT docker://HOST/NAME:TAG``."""
    skopeo("copy", "--all", "--preserve-digests", layout.source,
           f"docker://{host}/{name}:{tag}", "--dest-tls-verify=false", *extra)
