"""Copying an image, or a whole index with every platform, from one repository to another.

The bytes of every manifest are pushed exactly as they were served, so the image keeps its
digest. Blobs the destination has are skipped; within one registry they are mounted from the
source repository (the registry links them, nothing moves), falling back to streaming when the
registry declines; between registries they stream straight from the source's answer into the
destination's upload, verified on the way. Blobs go in parallel (``jobs`` threads); each
repository keeps one session, so one token per scope serves the whole copy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from .blobs import BlobReader
from .digests import check_reference, is_digest
from .errors import ManifestUnknownError
from .manifest import DEFAULT_ACCEPT, Descriptor, Manifest
from .repository import Repository

__all__ = ["CopyProgress", "CopyResult", "copy_image"]

log = logging.getLogger(__name__)

#: Layers that must not be pushed anywhere but where their ``urls`` say (foreign layers).
_NONDISTRIBUTABLE = ("foreign", "nondistributable")


class CopyProgress(Protocol):
    """What :func:`copy_image` reports to, for a progress display. Called from the copying
    threads."""

    def blob_started(self, descriptor: Descriptor) -> None:
        """A blob is about to be checked and copied."""

    def blob_advanced(self, descriptor: Descriptor, count: int) -> None:
        """``count`` more bytes of the blob were streamed."""

    def blob_finished(self, descriptor: Descriptor, outcome: str) -> None:
        """The blob is at the destination: ``outcome`` is ``"exists"``, ``"mounted"`` or
        ``"copied"``."""


@dataclass
class CopyResult:
    """What :func:`copy_image` did.

    :ivar digest: the digest of the manifest (or index) at the destination, the same as at
        the source.
    :ivar media_type: its media type.
    :ivar copied: blobs streamed; ``mounted``: blobs mounted; ``skipped``: blobs (and
        manifests) the destination had; ``bytes_copied``: bytes streamed.
    """

    digest: str
    media_type: str
    copied: int = 0
    mounted: int = 0
    skipped: int = 0
    bytes_copied: int = 0
    manifests: list[str] = field(default_factory=list)


def _distributable(descriptor: Descriptor) -> bool:
    return not (descriptor.urls and any(w in descriptor.media_type for w in _NONDISTRIBUTABLE))


def copy_image(
    source: Repository,
    source_reference: str,
    destination: Repository,
    destination_reference: str | None = None,
    *,
    jobs: int = 4,
    progress: CopyProgress | None = None,
) -> CopyResult:
    """Copy the manifest (or index, with every manifest it lists) under ``source_reference``
    and all the blobs they need.

    :param destination: a repository opened for push.
    :param destination_reference: the tag to push under; by default the source's tag, or
        the digest when the source is named by digest.
    :param jobs: how many blobs move at once.
    :returns: the :class:`CopyResult`; its digest is the same at both ends.
    """
    source_reference = check_reference(source_reference)
    target_reference = check_reference(destination_reference or source_reference)
    top = source.get_manifest(source_reference)
    children: list[Manifest] = []
    for child in top.manifests():
        accept: Sequence[str] = (child.media_type, *DEFAULT_ACCEPT) if child.media_type \
            else DEFAULT_ACCEPT
        children.append(source.get_manifest(child.digest, accept=list(dict.fromkeys(accept))))
    images = children if top.is_index else [top]
    result = CopyResult(digest=top.digest, media_type=top.media_type)
    lock = threading.Lock()
    pending = [m for m in images if not _has_manifest(destination, m.digest)]
    result.skipped += len(images) - len(pending)
    blobs: dict[str, Descriptor] = {}
    for image in pending:
        for blob in image.blobs():
            if _distributable(blob):
                blobs.setdefault(blob.digest, blob)

    def move(descriptor: Descriptor) -> None:
        if progress is not None:
            progress.blob_started(descriptor)
        outcome = _copy_blob(source, destination, descriptor, progress)
        with lock:
            if outcome == "copied":
                result.copied += 1
                result.bytes_copied += descriptor.size
            elif outcome == "mounted":
                result.mounted += 1
            else:
                result.skipped += 1
        if progress is not None:
            progress.blob_finished(descriptor, outcome)

    if jobs <= 1 or len(blobs) <= 1:
        for descriptor in blobs.values():
            move(descriptor)
    else:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="registry-core-copy") as pool:
            for future in [pool.submit(move, d) for d in blobs.values()]:
                future.result()
    for image in pending:
        if top.is_index:
            destination.put_manifest(image.content, image.media_type, image.digest)
            result.manifests.append(image.digest)
    pushed = destination.put_manifest(
        top.content, top.media_type, target_reference if not is_digest(target_reference)
        else top.digest
    )
    result.manifests.append(pushed)
    log.info("copied %s@%s to %s:%s", source.path, top.digest, destination.path,
             target_reference)
    return result


def _has_manifest(repository: Repository, digest: str) -> bool:
    try:
        repository.head_manifest(digest)
    except ManifestUnknownError:
        return False
    return True


def _copy_blob(
    source: Repository, destination: Repository, descriptor: Descriptor,
    progress: CopyProgress | None,
) -> str:
    if destination.has_blob(descriptor.digest):
        return "exists"
    same_registry = source.info.index.name == destination.info.index.name
    if same_registry and source.path != destination.path:
        mounted = destination.mount_blob(descriptor.digest, source, source=source,
                                         size=descriptor.size)
        return "mounted" if mounted else "copied"
    with source.open_blob(descriptor.digest, descriptor.size) as reader:
        _watch(reader, descriptor, progress)
        destination.upload_blob(reader, descriptor.digest, descriptor.size)
    return "copied"


def _watch(reader: BlobReader, descriptor: Descriptor, progress: CopyProgress | None) -> None:
    if progress is not None:
        reader.on_read = lambda count: progress.blob_advanced(descriptor, count)
