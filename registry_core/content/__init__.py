"""Moving content over the registry v2 API: manifests, blobs, uploads, tags, copy.

Start from :meth:`DefaultService.repository
<registry_core.service.DefaultService.repository>`; see the guide in ``docs/content.rst``.
"""

from __future__ import annotations

from .blobs import BlobReader
from .copy import CopyProgress, CopyResult, copy_image
from .digests import check_digest, compute_digest
from .endpoints import continue_on_error
from .errors import (
    BlobUnknownError,
    ContentTooLargeError,
    DeniedError,
    DigestMismatchError,
    ErrorEntry,
    ManifestUnknownError,
    MountDeclinedError,
    NameUnknownError,
    PlatformNotFoundError,
    RegistryResponseError,
    TooManyRequestsError,
    UnexpectedResponseError,
)
from .manifest import (
    DEFAULT_ACCEPT,
    DEFAULT_MAX_MANIFEST_SIZE,
    MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    Descriptor,
    Manifest,
    Platform,
)
from .repository import Repository, open_repository

__all__ = [
    "DEFAULT_ACCEPT",
    "DEFAULT_MAX_MANIFEST_SIZE",
    "MEDIA_TYPE_DOCKER_MANIFEST",
    "MEDIA_TYPE_DOCKER_MANIFEST_LIST",
    "MEDIA_TYPE_OCI_INDEX",
    "MEDIA_TYPE_OCI_MANIFEST",
    "BlobReader",
    "BlobUnknownError",
    "ContentTooLargeError",
    "CopyProgress",
    "CopyResult",
    "DeniedError",
    "Descriptor",
    "DigestMismatchError",
    "ErrorEntry",
    "Manifest",
    "ManifestUnknownError",
    "MountDeclinedError",
    "NameUnknownError",
    "Platform",
    "PlatformNotFoundError",
    "RegistryResponseError",
    "Repository",
    "TooManyRequestsError",
    "UnexpectedResponseError",
    "check_digest",
    "compute_digest",
    "continue_on_error",
    "copy_image",
    "open_repository",
]
