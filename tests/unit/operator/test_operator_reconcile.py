"""Pure reconcile decisions: create/patch/leave, migration gating, conditions."""

from __future__ import annotations

from datetime import UTC, datetime

from tracktion_operator.reconcile import Action, Condition, assess, gated, is_subset, job_succeeded, plan

SERVICES = ["watcher", "catalog"]


def deployment(replicas: int, **extra: object) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "labels": {"a": "b"}},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
        **extra,
    }


def test_server_defaults_are_not_drift_but_changed_or_removed_values_are() -> None:
    live = deployment(1)
    live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"  # type: ignore[index]
    live["metadata"]["uid"] = "x"  # type: ignore[index]
    live["status"] = {"readyReplicas": 1}
    assert plan(deployment(1), live) is Action.NONE
    assert plan(deployment(2), live) is Action.PATCH
    assert plan(deployment(1), None) is Action.CREATE
    assert not is_subset([{"a": 1}], [{"a": 1}, {"b": 2}])  # a removed list element counts


def test_secrets_and_jobs_are_create_only() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": "new"}}
    assert plan(secret, {"kind": "Secret", "data": {"password": "b2xk"}}) is Action.NONE
    assert plan(secret, None) is Action.CREATE


def test_deployments_wait_for_the_migration() -> None:
    manifests = [{"kind": "ConfigMap"}, {"kind": "Job"}, {"kind": "Deployment"}]
    assert [m["kind"] for m in gated(manifests, migrated=False)] == ["ConfigMap", "Job"]
    assert gated(manifests, migrated=True) == manifests
    assert job_succeeded({"status": {"succeeded": 1}})
    assert not job_succeeded({"status": {}})
    assert not job_succeeded(None)


def test_phases_and_conditions() -> None:
    ready = {"watcher": {"replicas": 1, "readyReplicas": 1}, "catalog": {"replicas": 2, "readyReplicas": 2}}
    phase, conds = assess(migrated=True, migration_failed=False, services=ready, expected=SERVICES, errors=[])
    assert phase == "Running"
    assert {c.type: c.status for c in conds} == {"Ready": "True", "Reconciled": "True", "Degraded": "False"}
    phase, conds = assess(
        migrated=True, migration_failed=False, services={"watcher": ready["watcher"]}, expected=SERVICES, errors=[]
    )
    assert phase == "Provisioning"
    assert "catalog" in conds[0].message
    phase, conds = assess(migrated=False, migration_failed=True, services={}, expected=SERVICES, errors=[])
    assert phase == "Failed"
    phase, conds = assess(migrated=True, migration_failed=False, services=ready, expected=SERVICES, errors=["boom"])
    assert (phase, conds[1].status) == ("Degraded", "False")


def test_transition_time_moves_only_when_the_status_changes() -> None:
    t0, t1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    first = Condition("Ready", "False", "Migrating", "").manifest(t0, 1, [])
    same = Condition("Ready", "False", "ReplicasNotReady", "").manifest(t1, 2, [first])
    flipped = Condition("Ready", "True", "AllReady", "").manifest(t1, 2, [same])
    assert same["lastTransitionTime"] == t0.isoformat()
    assert flipped["lastTransitionTime"] == t1.isoformat()
    assert flipped["observedGeneration"] == 2
