"""Constants of the reference (moby ``registry`` package), in UPPER_CASE."""

from __future__ import annotations

#: The OAuth ``client_id`` sent to token servers (Go ``AuthClientID``).
AUTH_CLIENT_ID = "docker"

#: Results asked of a search when the caller gives no limit (Go ``DefaultSearchLimit``).
DEFAULT_SEARCH_LIMIT = 25

#: The namespace of unqualified names (Go ``DefaultNamespace``).
DEFAULT_NAMESPACE = "docker.io"

#: The header by which a registry confirms the v2 API (Go ``DefaultRegistryVersionHeader``).
DEFAULT_REGISTRY_VERSION_HEADER = "Docker-Distribution-Api-Version"

#: The Docker Hub index host (Go ``IndexHostname``).
INDEX_HOSTNAME = "index.docker.io"

#: The address used for Docker Hub login and search, and its auth config key (Go ``IndexServer``).
INDEX_SERVER = "https://" + INDEX_HOSTNAME + "/v1/"

#: The name of the Docker Hub index (Go ``IndexName``).
INDEX_NAME = "docker.io"

#: The Docker Hub v2 registry (Go ``DefaultV2Registry``, a URL there, a string here).
DEFAULT_V2_REGISTRY = "https://registry-1.docker.io"

#: Where per-host TLS material lives on Linux (Go ``CertsDir()`` outside rootless mode).
CERTS_DIR = "/etc/docker/certs.d"
