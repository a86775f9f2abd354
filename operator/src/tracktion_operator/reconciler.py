"""The reconcile and autoscale steps with their I/O: read live children, apply the rendered ones, report.

Decisions live in :mod:`tracktion_operator.reconcile`, :mod:`tracktion_operator.autoscale` and
:mod:`tracktion_operator.render`; this module only fetches their inputs and carries out their outputs, so the kopf
handlers stay a few lines each.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tracktion_operator import autoscale, queue
from tracktion_operator.kube import ApiError, KubeApi
from tracktion_operator.model import Library
from tracktion_operator.reconcile import (
    Action,
    Condition,
    assess,
    gated,
    job_failed,
    job_succeeded,
    plan,
    ready_counts,
    ready_summary,
)
from tracktion_operator.render import optional_children, render_all
from tracktion_operator.render.bundled import bundled_services, secret_name
from tracktion_operator.render.children import analysis_deployment_name, deployed_services, migration_job_name
from tracktion_operator.render.common import Manifest, child_name
from tracktion_operator.render.keda import KEDA_CRD, amqp_secret, render_keda
from tracktion_operator.render.ui import UI, token_secret


def expected_services(lib: Library) -> list[str]:
    """The Deployments this library runs (and the Ready column counts): the pipeline's, plus the UI when enabled."""
    return [svc.name for svc in deployed_services(lib)] + ([UI.name] if lib.spec.ui.enabled else [])


@dataclass
class Outcome:
    """What one reconcile did: for status (phase, conditions, counts) and for Events (``applied``)."""

    phase: str
    conditions: list[Condition]
    services: dict[str, dict[str, int]]
    applied: list[tuple[Action, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    engine: str = "builtin"
    expected: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def uses_keda(lib: Library, keda_installed: bool) -> bool:
    scaling = lib.spec.analysis.autoscaling
    return scaling.enabled and scaling.engine == "keda" and keda_installed


async def keda_installed(api: KubeApi) -> bool:
    return await api.exists("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, KEDA_CRD)


async def _passwords(api: KubeApi, lib: Library) -> dict[str, str]:
    """New random passwords for bundled services whose Secret does not exist yet (existing ones are never patched)."""
    out: dict[str, str] = {}
    for svc in bundled_services(lib):
        if not await api.exists("v1", "Secret", lib.namespace, secret_name(lib, svc)):
            out[svc.key] = secrets.token_urlsafe(24)
        else:
            out[svc.key] = "unused"  # rendered, then skipped: Secrets are create-only
    return out


async def _ui_token(api: KubeApi, lib: Library) -> str | None:
    """A new token when the UI's generated Secret does not exist yet (existing Secrets are never patched)."""
    if not lib.spec.ui.enabled or lib.spec.ui.token_secret_ref is not None:
        return None
    if await api.exists("v1", "Secret", lib.namespace, token_secret(lib)[0]):
        return "unused"  # rendered, then skipped: Secrets are create-only
    return secrets.token_urlsafe(24)


def _owned_by(live: Manifest, lib: Library) -> bool:
    return any(ref.get("uid") == lib.uid for ref in (live.get("metadata") or {}).get("ownerReferences") or [])


async def _prune(api: KubeApi, lib: Library, desired: list[Manifest], outcome: Outcome) -> None:
    """Delete optional children this spec no longer renders, if this library owns them (never someone else's)."""
    wanted = {(m["kind"], m["metadata"]["name"]) for m in desired}
    for api_version, kind, name in optional_children(lib):
        if (kind, name) in wanted:
            continue
        label = f"{kind}/{name}"
        try:
            live = await api.get(api_version, kind, lib.namespace, name)
            if live is not None and _owned_by(live, lib):
                await api.delete(api_version, kind, lib.namespace, name)
                outcome.deleted.append(label)
        except ApiError as exc:
            outcome.errors.append(f"{label}: {exc}")


async def _current_analysis(api: KubeApi, lib: Library) -> int | None:
    live = await api.get("apps/v1", "Deployment", lib.namespace, analysis_deployment_name(lib))
    return None if live is None else int((live.get("spec") or {}).get("replicas") or 0)


async def reconcile(api: KubeApi, lib: Library) -> Outcome:
    """Render the library and make the cluster match it; safe to run any number of times."""
    keda = uses_keda(lib, await keda_installed(api))
    desired = render_all(
        lib,
        passwords=await _passwords(api, lib),
        current_analysis=await _current_analysis(api, lib),
        ui_token=await _ui_token(api, lib),
    )
    if keda:
        desired += render_keda(lib)
    job = await api.get("batch/v1", "Job", lib.namespace, migration_job_name(lib))
    expected = expected_services(lib)
    outcome = Outcome(
        phase="Pending", conditions=[], services={}, engine="keda" if keda else "builtin", expected=expected
    )
    for manifest in gated(desired, job_succeeded(job)):
        meta = manifest["metadata"]
        label = f"{manifest['kind']}/{meta['name']}"
        try:
            live = await api.get(manifest["apiVersion"], manifest["kind"], meta["namespace"], meta["name"])
            action = plan(manifest, live)
            if action is Action.CREATE:
                await api.create(manifest)
            elif action is Action.PATCH:
                await api.merge_patch(manifest)
        except ApiError as exc:
            outcome.errors.append(f"{label}: {exc}")
            continue
        if action is not Action.NONE:
            outcome.applied.append((action, label))
    await _prune(api, lib, desired, outcome)
    job = await api.get("batch/v1", "Job", lib.namespace, migration_job_name(lib))
    deployments = {
        name: await api.get("apps/v1", "Deployment", lib.namespace, child_name(lib, name)) for name in expected
    }
    outcome.services = ready_counts(deployments)
    outcome.phase, outcome.conditions = assess(
        migrated=job_succeeded(job),
        migration_failed=job_failed(job),
        services=outcome.services,
        expected=expected,
        errors=outcome.errors,
    )
    return outcome


def status_patch(
    outcome: Outcome, generation: int | None, previous: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The ``status`` fields a reconcile owns (the autoscaler owns queueDepth/analysisReplicas/lastScaleTime)."""
    now = now or datetime.now(UTC)
    old_conditions = list(previous.get("conditions") or [])
    patch: dict[str, Any] = {
        "phase": outcome.phase,
        "conditions": [c.manifest(now, generation, old_conditions) for c in outcome.conditions],
        "services": outcome.services,
        "readySummary": ready_summary(outcome.services, outcome.expected),
        "autoscalingEngine": outcome.engine,
    }
    if generation is not None:
        patch["observedGeneration"] = generation
    return patch


async def amqp_url(api: KubeApi, lib: Library) -> str | None:
    """The AMQP URL from the library's Secret (bundled or referenced), for reading the queue depth."""
    ref = amqp_secret(lib)
    if ref is None:
        return None
    secret = await api.get("v1", "Secret", lib.namespace, ref[0])
    if secret is None:
        return None
    encoded = (secret.get("data") or {}).get(ref[1])
    if encoded:
        return base64.b64decode(encoded).decode()
    plain = (secret.get("stringData") or {}).get(ref[1])  # emulators may keep stringData as it was sent
    return str(plain) if plain else None


def _management_url(lib: Library, url: str | None) -> str | None:
    """For the bundled broker: its management API on the same Service, same credentials."""
    if not lib.spec.backing.amqp.bundled or not url:
        return None
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(url)
    return f"http://{parts.username}:{parts.password}@{parts.hostname}:15672"


@dataclass(frozen=True)
class ScaleResult:
    depth: int | None
    replicas: int
    changed: bool
    reason: str


async def autoscale_once(
    api: KubeApi, lib: Library, status: dict[str, Any], now: datetime | None = None
) -> ScaleResult | None:
    """Read the queue, decide, patch the analysis Deployment's replicas; None when not the built-in engine's job."""
    scaling = lib.spec.analysis.autoscaling
    if not scaling.enabled or status.get("autoscalingEngine") == "keda":
        return None
    current = await _current_analysis(api, lib)
    if current is None:
        return None  # not created yet (migration pending)
    url = await amqp_url(api, lib)
    try:
        depth = await queue.queue_depth(url, queue.analysis_queue(lib.spec.bus_prefix), _management_url(lib, url))
    except queue.QueueDepthError as exc:
        return ScaleResult(None, current, changed=False, reason=f"queue depth unknown: {exc}")
    now = now or datetime.now(UTC)
    last = status.get("lastScaleTime")
    last_time = datetime.fromisoformat(last) if last else None
    decision = autoscale.desired_replicas(depth, current, scaling, last_time, now)
    if decision.changes(current):
        await api.merge_patch(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": analysis_deployment_name(lib), "namespace": lib.namespace},
                "spec": {"replicas": decision.replicas},
            }
        )
    return ScaleResult(depth, decision.replicas, decision.changes(current), decision.reason)


__all__ = [
    "Outcome",
    "ScaleResult",
    "amqp_url",
    "autoscale_once",
    "expected_services",
    "keda_installed",
    "reconcile",
    "status_patch",
    "uses_keda",
]
