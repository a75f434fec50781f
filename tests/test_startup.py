"""What importing registry-core loads: nothing a caller has not asked for.

``import registry_core`` is cheap (its public names are imported on first use), and
cryptography is loaded only when certificates are read. Counted in modules, not time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import registry_core

HEAVY = ("requests", "urllib3", "cryptography", "pluggy", "ssl", "importlib.metadata")


def loaded_after(code: str, tmp_path: Path) -> set[str]:
    """The modules loaded by ``code`` in a fresh interpreter (certs.d pointed at an empty
    directory, so no host material is read)."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={"REGISTRY_CORE_CERTS_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
             "HOME": str(tmp_path)},
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_importing_the_package_loads_no_heavy_dependency(tmp_path: Path) -> None:
    loaded = loaded_after("import registry_core", tmp_path)
    assert not {name for name in HEAVY if name in loaded}
    assert not any(name.startswith("cryptography") for name in loaded)


def test_resolving_and_looking_up_endpoints_does_not_load_cryptography(
    tmp_path: Path,
) -> None:
    loaded = loaded_after(
        "from registry_core import DefaultService\n"
        "from registry_core.reference import parse_normalized_named\n"
        "s = DefaultService()\n"
        "s.resolve_repository(parse_normalized_named('ubuntu'))\n"
        "s.lookup_pull_endpoints('docker.io')\n"
        "s.lookup_push_endpoints('localhost:5000')\n",
        tmp_path,
    )
    assert not any(name.startswith("cryptography") for name in loaded)


def test_reading_certificates_still_works_when_cryptography_comes_late(tmp_path: Path) -> None:
    from tests.tls_helpers import make_ca

    ca = make_ca("startup test CA")
    ca.write_cert(tmp_path / "ca.crt")
    loaded = loaded_after(
        "from registry_core import TLSConfig, read_certs_directory\n"
        f"t = TLSConfig()\nread_certs_directory(t, {str(tmp_path)!r})\n"
        "assert t.root_cas and len(t.root_cas) == 1\n",
        tmp_path,
    )
    assert "cryptography.x509" in loaded


@pytest.mark.parametrize("name", registry_core.__all__)
def test_every_exported_name_is_importable(name: str) -> None:
    assert getattr(registry_core, name) is not None


def test_star_import_gives_every_exported_name() -> None:
    namespace: dict[str, object] = {}
    exec("from registry_core import *", namespace)
    assert set(registry_core.__all__) <= set(namespace)


def test_submodules_are_still_attributes_of_the_package() -> None:
    assert registry_core.reference.parse_normalized_named("x").name == "docker.io/library/x"


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        registry_core.no_such_thing  # noqa: B018
    assert not hasattr(registry_core, "_private_missing")


def test_every_lazy_name_is_exported_and_every_export_is_reachable_without_import() -> None:
    # __all__ is written out for type checkers; the lazy table is what __getattr__ imports
    # from. A name added to one and not the other is either unexported or an AttributeError.
    eager = {name for name in vars(registry_core) if not name.startswith("_")}
    assert set(registry_core._LAZY_NAMES) <= set(registry_core.__all__)
    assert set(registry_core.__all__) - set(registry_core._LAZY_NAMES) <= eager
