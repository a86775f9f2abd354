"""The operator's ClusterRole grants exactly the API calls its code makes, observed rather than listed by hand.

``tests/unit/operator/test_operator_chart.py`` derives the needed verbs from the kinds the operator renders. This
test watches the code instead: the reconciler and the autoscaler run against a recording stand-in for the Kubernetes
API through a library's whole life (first apply, migration done, drift, optional children dropped, a scale-up), and
every (apiGroup, resource, verb) they call must be granted by the rendered chart. kopf's own calls (watching the
custom resource, patching its status, posting events) happen inside kopf, so they are listed here, as kopf's
documentation gives them. A grant that nothing uses is as much a failure as a call that is not granted.
"""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracktion_operator import queue, reconciler
from tracktion_operator.kube import PLURALS
from tracktion_operator.model import Library

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "charts" / "tracktion"
HELM = shutil.which("helm") or next((str(p) for p in [REPO / ".tools" / "bin" / "helm"] if p.exists()), None)

#: what kopf itself calls for a namespaced custom resource with status, timers and events (kopf docs, "Deployment")
KOPF_CALLS = (
    {("tracktion.dev", "musiclibraries", verb) for verb in ("get", "list", "watch", "patch")}
    | {("tracktion.dev", "musiclibraries/status", verb) for verb in ("get", "patch")}
    | {("apiextensions.k8s.io", "customresourcedefinitions", verb) for verb in ("get", "list", "watch")}
    | {("", "namespaces", verb) for verb in ("get", "list", "watch")}
    | {(group, "events", verb) for group in ("", "events.k8s.io") for verb in ("create", "patch")}
)

Key = tuple[str, str]  # (kind, name)


def _group(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


class RecordingApi:
    """Stands in for :class:`tracktion_operator.kube.KubeApi`: keeps objects in a dict and records every call."""

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.objects: dict[Key, dict[str, Any]] = {}
        self.calls: set[tuple[str, str, str]] = set()
        self.keda_installed = True

    def _record(self, api_version: str, kind: str, verb: str) -> None:
        self.calls.add((_group(api_version), PLURALS[kind], verb))

    async def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        self._record(api_version, kind, "get")
        return copy.deepcopy(self.objects.get((kind, name)))

    async def exists(self, api_version: str, kind: str, namespace: str | None, name: str) -> bool:
        self._record(api_version, kind, "get")
        if kind == "CustomResourceDefinition":
            return self.keda_installed
        return (kind, name) in self.objects

    async def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        self._record(manifest["apiVersion"], manifest["kind"], "create")
        live = copy.deepcopy(manifest)
        live["metadata"].setdefault("ownerReferences", [{"uid": self.uid}])
        if manifest["kind"] == "Job":
            live["status"] = {"succeeded": 1}  # the migration finishes at once
        self.objects[(manifest["kind"], manifest["metadata"]["name"])] = live
        return live

    async def merge_patch(self, manifest: dict[str, Any]) -> dict[str, Any]:
        self._record(manifest["apiVersion"], manifest["kind"], "patch")
        return self.objects.get((manifest["kind"], manifest["metadata"]["name"]), manifest)

    async def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> None:
        self._record(api_version, kind, "delete")
        self.objects.pop((kind, name), None)

    def drift(self) -> None:
        """Someone edited every child by hand (relabelled it, rewrote its body): the next reconcile patches it back."""
        for live in self.objects.values():
            labels = live.setdefault("metadata", {}).setdefault("labels", {})
            labels.pop("app.kubernetes.io/managed-by", None)
            labels["edited-by-hand"] = "yes"
            for part in ("spec", "data", "rules", "subjects"):
                if isinstance(live.get(part), dict | list):
                    live[part] = {"edited": "yes"}


def _library(spec: dict[str, Any]) -> Library:
    return Library.from_body({"metadata": {"name": "lib", "namespace": "music", "uid": "uid-1"}, "spec": spec})


FULL = {
    "music": {"hostPath": "/m"},
    "backing": {k: {"bundled": True} for k in ("amqp", "postgres", "redis", "neo4j")},
    "analysis": {"autoscaling": {"enabled": True}},
    "ui": {"enabled": True, "ingress": {"enabled": True, "host": "music.example"}},
}
#: autoscaled by KEDA instead of the built-in autoscaler
KEDA = FULL | {"analysis": {"autoscaling": {"enabled": True, "engine": "keda"}}}
#: the same library with every optional child switched off: the reconciler prunes them
MINIMAL = {
    "music": {"hostPath": "/m"},
    "backing": {k: {"bundled": True} for k in ("amqp", "postgres", "redis")},
    "graph": {"enabled": False},
    "ui": {"enabled": False},
}


async def _observed_calls(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str, str]]:
    async def deep_queue(*args: object, **kwargs: object) -> int:
        return 10_000  # a long queue, so the autoscaler scales up (a patch of the Deployment)

    monkeypatch.setattr(queue, "queue_depth", deep_queue)
    api = RecordingApi("uid-1")
    full = _library(FULL)
    await reconciler.reconcile(api, full)  # type: ignore[arg-type]  # first apply: the migration Job gates the rest
    await reconciler.reconcile(api, full)  # type: ignore[arg-type]  # migrated: every child is created
    api.drift()
    await reconciler.reconcile(api, full)  # type: ignore[arg-type]  # drift is patched back
    await reconciler.autoscale_once(api, full, {})  # type: ignore[arg-type]
    keda = _library(KEDA)
    await reconciler.reconcile(api, keda)  # type: ignore[arg-type]  # ScaledObject and TriggerAuthentication
    api.drift()
    await reconciler.reconcile(api, keda)  # type: ignore[arg-type]
    api.keda_installed = False
    await reconciler.reconcile(api, _library(MINIMAL))  # type: ignore[arg-type]  # optional children deleted
    return api.calls


def _granted() -> set[tuple[str, str, str]]:
    assert HELM is not None
    rendered = subprocess.run(
        [HELM, "template", "tracktion", str(CHART), "--namespace", "tracktion"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    roles = [doc for doc in yaml.safe_load_all(rendered) if doc and doc["kind"] in ("ClusterRole", "Role")]
    assert len(roles) == 1, f"expected one operator role, found {[r['metadata']['name'] for r in roles]}"
    return {
        (group, resource, verb)
        for rule in roles[0]["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


@pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not on PATH or in .tools/bin")
def test_the_role_grants_what_the_operator_calls_and_nothing_more(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = asyncio.run(_observed_calls(monkeypatch))
    assert ("apps", "deployments", "delete") in calls, "the scenario never pruned: it would miss a needed verb"
    assert ("apps", "deployments", "patch") in calls
    granted = _granted()
    assert "*" not in {part for triple in granted for part in triple}, "wildcards grant more than any code uses"
    needed = calls | KOPF_CALLS
    assert not needed - granted, f"called but not granted: {sorted(needed - granted)}"
    assert not granted - needed, f"granted but never called: {sorted(granted - needed)}"
