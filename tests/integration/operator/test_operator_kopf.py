"""The operator end to end against kmock: children with owner references, status, updates, self-healing."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tracktion_operator.kube import API_URL_ENV, KubeApi, connection_from_environment
from tracktion_shared.bus.testing import DEFAULT_TEST_AMQP_URL
from tracktion_shared.config import Settings
from tracktion_shared.storage import upgrade
from tracktion_web import UiSettings, create_app

UID = "5f0c7c1e-0000-4000-8000-000000000001"
NS = "music"


def library(generation: int = 1, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tracktion.dev/v1alpha1",
        "kind": "MusicLibrary",
        # the emulator assigns neither uid nor resourceVersion (kopf's patches test the latter)
        "metadata": {"name": "lib", "namespace": NS, "uid": UID, "generation": generation, "resourceVersion": "1"},
        "spec": {
            "music": {"existingClaim": "songs"},
            "backing": {"amqp": {"bundled": True}, "postgres": {"secretRef": {"name": "pg"}}},
            **spec,
        },
    }


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 15) -> Any:
    """Poll ``check`` until it returns something truthy (the operator works asynchronously)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def get(api: KubeApi, api_version: str, kind: str, name: str) -> dict[str, Any] | None:
    return await api.get(api_version, kind, NS, name)


async def mark_migrated(api: KubeApi) -> str:
    """Play the Job controller: the operator waits for the migration before creating Deployments."""
    job = await eventually(lambda: _first_job(api))
    await api.merge_patch({**_ident(job), "status": {"succeeded": 1}})
    return str(job["metadata"]["name"])


async def _first_job(api: KubeApi) -> dict[str, Any] | None:
    listing = await api._call("GET", f"/apis/batch/v1/namespaces/{NS}/jobs")
    items = (listing or {}).get("items") or []
    return items[0] if items else None


def _ident(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"]},
    }


@pytest.fixture
async def api(running_operator: Any) -> Any:
    async with KubeApi(connection_from_environment()) as client:
        yield client


async def test_create_update_and_self_heal(api: KubeApi, running_operator: Any) -> None:
    assert os.environ["TRACKTION_OPERATOR_API_URL"]
    await api.create(library())

    # Before the migration: config, bundled broker, the Job — no Deployments yet; status says why.
    await eventually(lambda: get(api, "v1", "ConfigMap", "lib-config"))
    assert await get(api, "apps/v1", "StatefulSet", "lib-rabbitmq")
    assert await get(api, "v1", "Secret", "lib-rabbitmq")
    assert await get(api, "apps/v1", "Deployment", "lib-catalog") is None
    body = await eventually(lambda: _with_status(api))
    assert body["status"]["phase"] == "Provisioning"
    assert _condition(body, "Ready")["reason"] == "Migrating"

    await mark_migrated(api)
    deployments = {}
    for name in ("watcher", "catalog", "analysis", "tracklist", "identify"):
        deployments[name] = await eventually(lambda n=name: get(api, "apps/v1", "Deployment", f"lib-{n}"))
    for dep in deployments.values():
        [owner] = dep["metadata"]["ownerReferences"]
        assert owner == {
            "apiVersion": "tracktion.dev/v1alpha1",
            "kind": "MusicLibrary",
            "name": "lib",
            "uid": UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    assert deployments["watcher"]["spec"]["replicas"] == 1
    body = await eventually(lambda: _with_condition(api, "Reconciled", "True", generation=1))
    assert body["status"]["observedGeneration"] == 1
    # nothing runs pods in the emulator: only the analysis workers (scaled to 0) count as ready
    body = await eventually(lambda: _with_ready_summary(api, "1/5"))
    assert _condition(body, "Ready")["reason"] == "ReplicasNotReady"
    assert body["status"]["phase"] == "Provisioning"
    assert body["status"]["services"]["catalog"] == {"replicas": 1, "readyReplicas": 0}

    # Update: only the catalog changes; the other Deployments are not patched again.
    requests_before = _patches(running_operator)
    await api.merge_patch(
        {
            **_ident(library()),
            "metadata": {"name": "lib", "namespace": NS, "generation": 2},
            "spec": {"catalog": {"replicas": 3}},
        }
    )
    await eventually(lambda: _replicas(api, "lib-catalog", 3))
    await eventually(lambda: _with_condition(api, "Reconciled", "True", generation=2))
    patched = {p for p in _patches(running_operator)[len(requests_before) :] if "/deployments/" in p}
    assert patched == {f"/apis/apps/v1/namespaces/{NS}/deployments/lib-catalog"}

    # A child deleted by hand comes back on the next resync; drift is undone.
    await api._call("DELETE", f"/apis/apps/v1/namespaces/{NS}/deployments/lib-tracklist")
    await eventually(lambda: get(api, "apps/v1", "Deployment", "lib-tracklist"))
    await api.merge_patch(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "lib-watcher", "namespace": NS},
            "spec": {"replicas": 2},
        }
    )
    await eventually(lambda: _replicas(api, "lib-watcher", 1))


def _patches(kmock: Any) -> list[str]:
    """Paths of every PATCH the emulator has seen so far, in order."""
    return [str(req.url.path) for req in kmock["patch"]]


async def _replicas(api: KubeApi, name: str, count: int) -> bool:
    dep = await get(api, "apps/v1", "Deployment", name)
    return dep is not None and dep["spec"]["replicas"] == count


async def _with_status(api: KubeApi) -> dict[str, Any] | None:
    body = await get(api, "tracktion.dev/v1alpha1", "MusicLibrary", "lib")
    return body if body and (body.get("status") or {}).get("phase") else None


def _condition(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in body["status"]["conditions"] if c["type"] == kind)


async def _with_condition(api: KubeApi, kind: str, status: str, generation: int) -> dict[str, Any] | None:
    body = await _with_status(api)
    if body is None or body["status"].get("observedGeneration") != generation:
        return None
    return body if _condition(body, kind)["status"] == status else None


async def _ui_cluster_report(library: str, tmp_path: Path) -> dict[str, Any]:
    """``/api/status``'s cluster section from a UI pointed at the emulated API (as ``kubectl proxy`` would be)."""
    url = f"sqlite:///{tmp_path / 'ui.db'}"
    await upgrade(url)
    ui = UiSettings(token=None, library=library, kube_api_url=os.environ[API_URL_ENV])
    app = create_app(Settings(data_dir=tmp_path, database_url=url), ui)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            response = await client.get("/api/status")
    finally:
        await app.state.tracktion.close()
    assert response.status_code == 200, response.text
    cluster: dict[str, Any] = response.json()["cluster"]
    return cluster


async def _with_ready_summary(api: KubeApi, summary: str) -> dict[str, Any] | None:
    body = await _with_status(api)
    return body if body and body["status"].get("readySummary") == summary else None


@pytest.mark.rabbitmq
async def test_timer_scales_analysis_with_a_real_queue(api: KubeApi, operator_metrics_port: int) -> None:
    """A queue on the real RabbitMQ, filled here, drives the analysis Deployment's replicas and the status."""
    prefix = f"test-operator-{uuid.uuid4().hex[:10]}"
    queue_name = f"{prefix}.analysis"
    url = os.environ.get("TRACKTION_TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "amqp", "namespace": NS},
        "data": {"url": base64.b64encode(url.encode()).decode()},
    }
    await api.create(secret)
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(queue_name, durable=False)
        try:
            for i in range(25):
                await channel.default_exchange.publish(aio_pika.Message(body=str(i).encode()), routing_key=queue_name)
            body = library(
                busPrefix=prefix,
                analysis={
                    "autoscaling": {
                        "minReplicas": 0,
                        "maxReplicas": 5,
                        "messagesPerReplica": 10,
                        "pollingInterval": 5,
                        "cooldownPeriod": 600,
                    }
                },
            )
            body["spec"]["backing"] = {"amqp": {"secretRef": {"name": "amqp"}}}
            await api.create(body)
            await mark_migrated(api)
            await eventually(lambda: get(api, "apps/v1", "Deployment", "lib-analysis"))
            await eventually(lambda: _replicas(api, "lib-analysis", 3), within=20)
            status = (await eventually(lambda: _with_workers(api, 3)))["status"]
            assert status["queueDepth"] == 25
            assert status["lastScaleTime"]
            # the same figures on the operator's /metrics, for the dashboard's queue depth and workers panels
            samples = await scrape(operator_metrics_port)
            labels = (("library", "lib"), ("namespace", NS))
            assert samples[("tracktion_queue_depth", labels)] == 25
            assert samples[("tracktion_analysis_workers", labels)] == 3
        finally:
            await channel.queue_delete(queue_name)


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The operator's /metrics as ``{(sample name, sorted labels): value}``."""
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    response.raise_for_status()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def _with_workers(api: KubeApi, count: int) -> dict[str, Any] | None:
    body = await _with_status(api)
    return body if body and body["status"].get("analysisReplicas") == count else None


async def test_graph_writer_and_ui_come_and_go_with_the_spec(api: KubeApi, tmp_path: Path) -> None:
    body = library(
        ui={"enabled": True, "serviceType": "NodePort", "ingress": {"enabled": True, "host": "music.example.org"}}
    )
    body["spec"]["backing"]["neo4j"] = {"secretRef": {"name": "neo"}}
    await api.create(body)
    await mark_migrated(api)

    graph = await eventually(lambda: get(api, "apps/v1", "Deployment", "lib-graph"))
    assert graph["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", "tracktion_shared.graph"]
    ui = await eventually(lambda: get(api, "apps/v1", "Deployment", "lib-ui"))
    token_ref = next(
        e for e in ui["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"] == "TRACKTION_UI_TOKEN"
    )
    assert token_ref["valueFrom"]["secretKeyRef"] == {"name": "lib-ui-token", "key": "token"}
    assert (await eventually(lambda: get(api, "v1", "Service", "lib-ui")))["spec"]["type"] == "NodePort"
    ingress = await eventually(lambda: get(api, "networking.k8s.io/v1", "Ingress", "lib-ui"))
    assert ingress["spec"]["rules"][0]["host"] == "music.example.org"
    secret = await eventually(lambda: get(api, "v1", "Secret", "lib-ui-token"))
    token = _secret_value(secret, "token")
    assert len(token) >= 16
    await eventually(lambda: _with_ready_summary(api, "1/7"))  # + graph and ui; only the idle analysis is "ready"
    pod = ui["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "lib-ui"
    role = await eventually(lambda: get(api, "rbac.authorization.k8s.io/v1", "Role", "lib-ui"))
    assert role["rules"][0]["resourceNames"] == ["lib"]
    assert await eventually(lambda: get(api, "rbac.authorization.k8s.io/v1", "RoleBinding", "lib-ui"))
    assert await eventually(lambda: get(api, "v1", "ServiceAccount", "lib-ui"))
    # The UI, configured as the operator configured it, shows the status the operator wrote.
    ui_env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    written_before = (await _with_status(api) or {})["status"]["phase"]
    cluster = await _ui_cluster_report(ui_env["TRACKTION_UI_LIBRARY"], tmp_path)
    written_after = (await _with_status(api) or {})["status"]["phase"]
    assert (cluster["reachable"], cluster["ready"]) == (True, "1/7")
    # pods never start in the emulator, so the phase may move on (Provisioning -> Degraded) while the UI reads it
    assert cluster["phase"] in {written_before, written_after}
    assert {c["type"] for c in cluster["conditions"]} == {"Ready", "Reconciled", "Degraded"}

    # Switched off: the operator deletes what it had created for them; the token Secret stays as it was.
    await api.merge_patch(
        {
            **_ident(body),
            "metadata": {"name": "lib", "namespace": NS, "generation": 2},
            "spec": {"ui": {"enabled": False}, "backing": {"neo4j": None}},
        }
    )
    for api_version, kind, name in [
        ("apps/v1", "Deployment", "lib-ui"),
        ("v1", "Service", "lib-ui"),
        ("v1", "ServiceAccount", "lib-ui"),
        ("rbac.authorization.k8s.io/v1", "Role", "lib-ui"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "lib-ui"),
        ("networking.k8s.io/v1", "Ingress", "lib-ui"),
        ("apps/v1", "Deployment", "lib-graph"),
        ("v1", "Service", "lib-graph-metrics"),
    ]:
        await eventually(lambda v=api_version, k=kind, n=name: _gone(api, v, k, n))
    await eventually(lambda: _with_ready_summary(api, "1/5"))
    assert _secret_value(await get(api, "v1", "Secret", "lib-ui-token") or {}, "token") == token


async def test_with_keda_installed_the_engine_keda_hands_scaling_to_a_scaled_object(api: KubeApi) -> None:
    """``engine: keda`` and KEDA's CRD in the cluster: a ScaledObject and its TriggerAuthentication, owned by the
    library, mirror ``analysis.autoscaling``, and the operator's own autoscaler leaves the replicas alone."""
    await api.create(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "scaledobjects.keda.sh"},
            "spec": {"group": "keda.sh", "names": {"kind": "ScaledObject", "plural": "scaledobjects"}},
        }
    )
    await api.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "amqp", "namespace": NS},
            "data": {"url": base64.b64encode(b"amqp://guest:guest@127.0.0.1:1/").decode()},
        }
    )
    body = library(
        analysis={"autoscaling": {"engine": "keda", "minReplicas": 1, "maxReplicas": 7, "messagesPerReplica": 20}}
    )
    body["spec"]["backing"] = {"amqp": {"secretRef": {"name": "amqp", "key": "url"}}, "postgres": {"bundled": True}}
    await api.create(body)
    await mark_migrated(api)

    scaled = await eventually(lambda: get(api, "keda.sh/v1alpha1", "ScaledObject", "lib-analysis"))
    assert scaled["metadata"]["ownerReferences"][0]["uid"] == UID
    assert scaled["spec"]["scaleTargetRef"] == {"name": "lib-analysis"}
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 7)
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["metadata"]["queueName"] == "tracktion.analysis"
    assert trigger["metadata"]["value"] == "20"
    auth = await eventually(lambda: get(api, "keda.sh/v1alpha1", "TriggerAuthentication", "lib-analysis-amqp"))
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "host", "name": "amqp", "key": "url"}]
    status = (await eventually(lambda: _with_engine(api, "keda")))["status"]
    await asyncio.sleep(2.0)  # several ticks of the operator's timer
    body_now = await get(api, "tracktion.dev/v1alpha1", "MusicLibrary", "lib") or {}
    # the built-in autoscaler would record its replicas (and, the broker being unreachable, no queue depth)
    assert {"analysisReplicas", "queueDepth"}.isdisjoint(body_now.get("status") or {}), status


async def test_without_keda_installed_the_engine_keda_falls_back_to_the_built_in_autoscaler(api: KubeApi) -> None:
    body = library(analysis={"autoscaling": {"engine": "keda"}})
    await api.create(body)
    await mark_migrated(api)
    await eventually(lambda: _with_engine(api, "builtin"))
    assert await get(api, "keda.sh/v1alpha1", "ScaledObject", "lib-analysis") is None


async def _with_engine(api: KubeApi, engine: str) -> dict[str, Any] | None:
    body = await _with_status(api)
    return body if body and body["status"].get("autoscalingEngine") == engine else None


async def _gone(api: KubeApi, api_version: str, kind: str, name: str) -> bool:
    return await get(api, api_version, kind, name) is None


def _secret_value(secret: dict[str, Any], key: str) -> str:
    if key in (secret.get("data") or {}):
        return base64.b64decode(secret["data"][key]).decode()
    return str((secret.get("stringData") or {}).get(key, ""))
