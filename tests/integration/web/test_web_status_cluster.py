"""The status page in the cluster: the MusicLibrary's status read from a Kubernetes API (kmock, the emulator).

The operator end-to-end test (tests/integration/operator/test_operator_kopf.py) shows the UI reading a status the real
operator wrote; these cover what the page makes of a status, and the failures a person must be told about.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from tracktion_shared.config import Settings
from tracktion_shared.storage import upgrade
from tracktion_web import UiSettings, create_app

NS = "music"

STATUS = {
    "phase": "Degraded",
    "readySummary": "5/6",
    "queueDepth": 1234,
    "analysisReplicas": 4,
    "observedGeneration": 2,
    "services": {"catalog": {"replicas": 2, "readyReplicas": 2}, "analysis": {"replicas": 4, "readyReplicas": 3}},
    "conditions": [
        {"type": "Ready", "status": "False", "reason": "ServicesNotReady", "message": "analysis 3/4 ready"},
        {"type": "Reconciled", "status": "True", "reason": "Applied", "message": "every child matches the spec"},
    ],
}


@pytest.fixture
def k8s(kmock: Any) -> Any:
    resource = kmock.resources["tracktion.dev/v1alpha1/musiclibraries"]
    resource.kind, resource.namespaced, resource.subresources = "MusicLibrary", True, ["status"]
    return kmock


async def _create_library(k8s: Any, name: str, generation: int, status: dict[str, Any] | None) -> None:
    body: dict[str, Any] = {
        "apiVersion": "tracktion.dev/v1alpha1",
        "kind": "MusicLibrary",
        "metadata": {"name": name, "namespace": NS, "generation": generation},
        "spec": {"music": {"existingClaim": "songs"}},
    }
    if status is not None:
        body["status"] = status
    async with httpx.AsyncClient(base_url=str(k8s.url)) as client:
        created = await client.post(f"/apis/tracktion.dev/v1alpha1/namespaces/{NS}/musiclibraries", json=body)
        assert created.status_code < 300, created.text


async def _status(tmp_path: Path, ui: UiSettings) -> tuple[dict[str, Any], str]:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    await upgrade(url)
    app = create_app(Settings(data_dir=tmp_path, database_url=url), ui)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            report = await client.get("/api/status")
            page = await client.get("/status")
    finally:
        await app.state.tracktion.close()
    assert report.status_code == 200, report.text
    assert page.status_code == 200, page.text
    body: dict[str, Any] = report.json()
    return body, page.text


def _ui(library: str, api_url: str, timeout: float = 5.0) -> UiSettings:
    return UiSettings(token=None, library=library, kube_api_url=api_url, cluster_timeout=timeout)


async def test_the_page_shows_what_the_operator_wrote(k8s: Any, tmp_path: Path) -> None:
    await _create_library(k8s, "lib", generation=3, status=STATUS)
    report, page = await _status(tmp_path, _ui(f"{NS}/lib", str(k8s.url)))
    cluster = report["cluster"]
    assert cluster["library"] == "music/lib"
    assert cluster["reachable"] is True
    assert (cluster["phase"], cluster["ready"], cluster["queue_depth"], cluster["analysis_workers"]) == (
        "Degraded",
        "5/6",
        1234,
        4,
    )
    assert cluster["up_to_date"] is False  # generation 3, observed 2: the operator is still catching up
    assert cluster["services"]["analysis"] == {"replicas": 4, "ready": 3}
    assert [c["type"] for c in cluster["conditions"]] == ["Ready", "Reconciled"]
    assert cluster["conditions"][0]["message"] == "analysis 3/4 ready"
    assert 'data-cluster="queue">1234<' in page
    assert 'data-cluster="workers">4<' in page
    assert "analysis 3/4 ready" in page
    assert "has not acted on the latest spec" in page


async def test_a_library_the_operator_has_not_reached_yet_says_so(k8s: Any, tmp_path: Path) -> None:
    await _create_library(k8s, "fresh", generation=1, status=None)
    report, _ = await _status(tmp_path, _ui(f"{NS}/fresh", str(k8s.url)))
    assert report["cluster"]["reachable"] is True
    assert report["cluster"]["phase"] is None
    assert "has not written this library's status yet" in report["cluster"]["note"]


async def test_a_missing_library_is_reported_not_raised(k8s: Any, tmp_path: Path) -> None:
    report, page = await _status(tmp_path, _ui(f"{NS}/nope", str(k8s.url)))
    assert report["cluster"]["reachable"] is False
    assert "no such MusicLibrary" in report["cluster"]["note"]
    assert report["counts"] == {"cataloged": 0, "analysed": 0, "failed": 0, "missing": 0}  # the rest still works
    assert "no such MusicLibrary" in page


async def test_an_api_that_never_answers_costs_the_timeout_only(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        report, _ = await _status(tmp_path, _ui(f"{NS}/lib", url, timeout=0.5))
    assert report["cluster"]["reachable"] is False
    assert "cannot be read" in report["cluster"]["note"]


async def test_off_the_cluster_there_is_no_cluster_section(tmp_path: Path) -> None:
    report, page = await _status(tmp_path, UiSettings(token=None))
    assert report["cluster"] is None
    assert 'id="cluster"' not in page


def test_the_library_setting_must_be_a_namespaced_name() -> None:
    for bad in ("lib", "Music/lib", "music/", "/lib", "music/lib/extra"):
        with pytest.raises(ValueError, match="namespace"):
            UiSettings(library=bad)
    assert UiSettings(library="music/my-lib.v2").library == "music/my-lib.v2"
