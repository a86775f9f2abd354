"""The operator end to end against kmock: children with owner references, status, updates, self-healing."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import pytest

from tracktion_operator.kube import KubeApi, connection_from_environment
from tracktion_shared.bus.testing import DEFAULT_TEST_AMQP_URL

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
    for name in ("watcher", "catalog", "analysis", "tracklist"):
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
    body = await eventually(lambda: _with_ready_summary(api, "1/4"))
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


async def _with_ready_summary(api: KubeApi, summary: str) -> dict[str, Any] | None:
    body = await _with_status(api)
    return body if body and body["status"].get("readySummary") == summary else None


@pytest.mark.rabbitmq
async def test_timer_scales_analysis_with_a_real_queue(api: KubeApi) -> None:
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
        finally:
            await channel.queue_delete(queue_name)


async def _with_workers(api: KubeApi, count: int) -> dict[str, Any] | None:
    body = await _with_status(api)
    return body if body and body["status"].get("analysisReplicas") == count else None
