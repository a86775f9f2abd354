"""Pure reconcile decisions: what to do with each child, whether migrations are done, the status to report."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracktion_operator.render.common import Manifest

# Kinds whose existing objects are never patched: Secrets keep the password their data was initialised with, Jobs
# have immutable pod templates (a new image gets a new Job name instead).
CREATE_ONLY_KINDS = frozenset({"Secret", "Job"})


class Action(enum.StrEnum):
    CREATE = "create"
    PATCH = "patch"
    NONE = "none"


def is_subset(desired: Any, live: Any) -> bool:
    """True when every field of ``desired`` has the same value in ``live`` (server-filled extras are fine).

    Lists must have the same length and match element-wise, so the server's defaults inside containers and ports do
    not count as drift, while an added or removed element does.
    """
    if isinstance(desired, dict):
        return isinstance(live, dict) and all(k in live and is_subset(v, live[k]) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(desired) == len(live) and all(map(is_subset, desired, live))
    return bool(desired == live) or (isinstance(desired, int | float) and str(desired) == str(live))


def comparable(manifest: Manifest) -> Manifest:
    """The part of a manifest that counts for drift: metadata labels/owners, spec, data."""
    out = {k: v for k, v in manifest.items() if k not in {"apiVersion", "kind", "metadata", "status", "stringData"}}
    meta = manifest.get("metadata", {})
    out["metadata"] = {k: meta[k] for k in ("labels", "ownerReferences") if k in meta}
    return out


def plan(desired: Manifest, live: Manifest | None) -> Action:
    """Create what is missing, patch what drifted, leave the rest (and create-only kinds) alone."""
    if live is None:
        return Action.CREATE
    if desired["kind"] in CREATE_ONLY_KINDS:
        return Action.NONE
    return Action.NONE if is_subset(comparable(desired), live) else Action.PATCH


def job_succeeded(job: Manifest | None) -> bool:
    return job is not None and int((job.get("status") or {}).get("succeeded") or 0) > 0


def job_failed(job: Manifest | None) -> bool:
    conditions = ((job or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Failed" and c.get("status") == "True" for c in conditions)


def gated(manifests: list[Manifest], migrated: bool) -> list[Manifest]:
    """Before the migration Job succeeds, everything except the Deployments (services must not meet an old schema)."""
    return manifests if migrated else [m for m in manifests if m["kind"] != "Deployment"]


@dataclass(frozen=True)
class Condition:
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str
    message: str

    def manifest(self, now: datetime, generation: int | None, previous: list[dict[str, Any]]) -> dict[str, Any]:
        """The status entry; ``lastTransitionTime`` moves only when ``status`` changes (Kubernetes convention)."""
        old = next((c for c in previous if c.get("type") == self.type), None)
        since = old["lastTransitionTime"] if old and old.get("status") == self.status else now.isoformat()
        out: dict[str, Any] = {
            "type": self.type,
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "lastTransitionTime": since,
        }
        if generation is not None:
            out["observedGeneration"] = generation
        return out


def ready_counts(deployments: dict[str, Manifest | None]) -> dict[str, dict[str, int]]:
    """Per service: wanted and ready replicas from the live Deployments (missing ones are left out)."""
    out: dict[str, dict[str, int]] = {}
    for name, dep in deployments.items():
        if dep is None:
            continue
        spec = (dep or {}).get("spec") or {}
        status = (dep or {}).get("status") or {}
        out[name] = {"replicas": int(spec.get("replicas") or 0), "readyReplicas": int(status.get("readyReplicas") or 0)}
    return out


def assess(
    *,
    migrated: bool,
    migration_failed: bool,
    services: dict[str, dict[str, int]],
    expected: list[str],
    errors: list[str],
) -> tuple[str, list[Condition]]:
    """Phase and the Ready/Reconciled/Degraded conditions from what the reconcile saw and did."""
    reconciled = Condition("Reconciled", "True", "Applied", "all children match the spec")
    if errors:
        reconciled = Condition("Reconciled", "False", "ApplyFailed", "; ".join(errors)[:1000])
    not_ready = sorted(
        n for n in expected if n not in services or services[n]["readyReplicas"] < services[n]["replicas"]
    )
    if migration_failed:
        ready = Condition("Ready", "False", "MigrationFailed", "the database migration Job failed")
        degraded = Condition("Degraded", "True", "MigrationFailed", "see the migration Job's pod logs")
        return "Failed", [ready, reconciled, degraded]
    if not migrated:
        ready = Condition("Ready", "False", "Migrating", "waiting for the database migration Job")
        return "Provisioning", [ready, reconciled, Condition("Degraded", "False", "Migrating", "")]
    if errors:
        return "Degraded", [
            Condition("Ready", "Unknown", "ApplyFailed", "children could not be applied"),
            reconciled,
            Condition("Degraded", "True", "ApplyFailed", reconciled.message),
        ]
    if not_ready:
        message = "not ready yet: " + ", ".join(not_ready)
        return "Provisioning", [
            Condition("Ready", "False", "ReplicasNotReady", message),
            reconciled,
            Condition("Degraded", "False", "RollingOut", message),
        ]
    return "Running", [
        Condition("Ready", "True", "AllReady", "every service has its replicas ready"),
        reconciled,
        Condition("Degraded", "False", "AllReady", ""),
    ]


def ready_summary(services: dict[str, dict[str, int]], expected: list[str]) -> str:
    """``ready/total`` services whose Deployment exists with all replicas ready, for the Ready printer column."""
    ready = sum(1 for n in expected if n in services and services[n]["readyReplicas"] >= services[n]["replicas"])
    return f"{ready}/{len(expected)}"
