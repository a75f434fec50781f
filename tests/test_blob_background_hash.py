"""Large blobs are hashed in a second thread while the next piece is received: the same
guarantees hold there (wrong bytes are caught, a broken transfer resumes with identical
bytes). The threshold is lowered so the suite's 6 MiB blob takes that path."""

from __future__ import annotations

import threading

import pytest

from registry_core.content import blobs
from tests import test_content, test_content_transfer
from tests.fault_proxy import fault_proxy
from tests.test_content import big

pytest_plugins = ["tests.registry_fixtures"]
__all__ = ["big", "fault_proxy"]  # fixtures, imported to be found


@pytest.fixture
def background_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every blob hashed in the background; the names of the threads that hashed."""
    monkeypatch.setattr(blobs, "BACKGROUND_HASH_MIN", 0)
    hashed_in: list[str] = []
    update = blobs._BackgroundHash.update

    def recording(self: blobs._BackgroundHash, data: bytes) -> None:
        update(self, data)
        assert self._pending is not None
        self._pending.add_done_callback(lambda _: hashed_in.append(
            threading.current_thread().name))

    monkeypatch.setattr(blobs._BackgroundHash, "update", recording)
    return hashed_in


def test_wrong_bytes_are_caught_when_hashed_in_the_background(
    background_hashing, plain_registry, big, monkeypatch
):
    test_content.test_a_registry_serving_wrong_bytes_is_caught(plain_registry, big, monkeypatch)
    assert background_hashing


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "close"])
def test_a_cut_resumes_with_identical_bytes_when_hashed_in_the_background(
    background_hashing, plain_registry, big, fault_proxy, caplog, reset
):
    test_content_transfer.test_a_cut_in_the_middle_of_a_blob_resumes_with_identical_bytes(
        plain_registry, big, fault_proxy, caplog, reset)
    assert any(name.startswith("registry-core-blob-hash") for name in background_hashing)
