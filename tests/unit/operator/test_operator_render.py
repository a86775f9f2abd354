"""Rendering a MusicLibrary into children: valid for Kubernetes 1.31, owned, locked down, secrets by reference."""

from __future__ import annotations

from typing import Any

import pytest
from k8s_checks import EXAMPLE_PATH, load_yaml, validate_manifest

from tracktion_operator.model import Library
from tracktion_operator.render import render_all
from tracktion_operator.render.children import MIGRATE_SCRIPT

PASSWORDS = {"amqp": "pw-a", "postgres": "pw-p", "redis": "pw-r", "neo4j": "pw-n"}


def library(spec: dict[str, Any] | None = None) -> Library:
    body = {
        "metadata": {"name": "lib", "namespace": "music", "uid": "1234-uid"},
        "spec": spec if spec is not None else load_yaml(EXAMPLE_PATH)["spec"],
    }
    return Library.from_body(body)


def external_spec() -> dict[str, Any]:
    return {
        "music": {"nfs": {"server": "nas.local", "path": "/export/music"}},
        "backing": {
            "amqp": {"secretRef": {"name": "amqp"}},
            "postgres": {"secretRef": {"name": "pg", "key": "dsn"}},
            "redis": {"secretRef": {"name": "redis"}},
            "neo4j": {"secretRef": {"name": "neo"}},
        },
        "telemetry": {"otlpEndpoint": "http://tempo.monitoring:4317"},
        "analysis": {"autoscaling": {"enabled": False}, "replicas": 3},
    }


def by_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


@pytest.mark.parametrize(
    "spec", [None, external_spec(), {"music": {"existingClaim": "songs"}}], ids=["bundled", "ext", "min"]
)
def test_every_child_is_a_valid_kubernetes_manifest(spec: dict[str, Any] | None) -> None:
    for manifest in render_all(library(spec), passwords=PASSWORDS):
        validate_manifest(manifest)


def test_every_child_is_owned_by_the_library_and_namespaced() -> None:
    for manifest in render_all(library(), passwords=PASSWORDS):
        meta = manifest["metadata"]
        assert meta["namespace"] == "music"
        [owner] = meta["ownerReferences"]
        assert owner["uid"] == "1234-uid"
        assert owner["kind"] == "MusicLibrary"
        assert owner["controller"] is True


def test_bundled_library_gets_the_full_set_of_children() -> None:
    manifests = render_all(library(), passwords=PASSWORDS)
    assert set(by_kind(manifests, "Deployment")) == {"lib-watcher", "lib-catalog", "lib-analysis", "lib-tracklist"}
    assert set(by_kind(manifests, "StatefulSet")) == {"lib-rabbitmq", "lib-postgres", "lib-redis", "lib-neo4j"}
    assert set(by_kind(manifests, "Secret")) == {"lib-rabbitmq", "lib-postgres", "lib-redis", "lib-neo4j"}
    assert {"lib-catalog-metrics", "lib-rabbitmq"} <= set(by_kind(manifests, "Service"))
    assert set(by_kind(manifests, "ConfigMap")) == {"lib-config"}
    [job] = by_kind(manifests, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-c", MIGRATE_SCRIPT]
    # the migration comes before every Deployment (apply order)
    kinds = [m["kind"] for m in manifests]
    assert kinds.index("Job") < kinds.index("Deployment")


def test_external_backing_services_add_no_statefulsets_and_use_the_secret_refs() -> None:
    manifests = render_all(library(external_spec()))
    assert not by_kind(manifests, "StatefulSet")
    assert not by_kind(manifests, "Secret")
    env = by_kind(manifests, "Deployment")["lib-catalog"]["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e}
    assert refs["TRACKTION_DATABASE_URL"] == {"name": "pg", "key": "dsn"}
    assert refs["TRACKTION_AMQP_URL"] == {"name": "amqp", "key": "url"}
    assert refs["TRACKTION_NEO4J_PASSWORD"]["optional"] is True
    config = by_kind(manifests, "ConfigMap")["lib-config"]["data"]
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://tempo.monitoring:4317"
    assert by_kind(manifests, "Deployment")["lib-analysis"]["spec"]["replicas"] == 3


def test_no_secret_value_is_inlined_in_a_pod() -> None:
    for manifest in render_all(library(), passwords=PASSWORDS):
        if manifest["kind"] == "Secret":
            continue
        assert not any(pw in repr(manifest) for pw in PASSWORDS.values()), manifest["metadata"]["name"]


def test_watcher_runs_exactly_once_and_is_recreated_not_rolled() -> None:
    spec = load_yaml(EXAMPLE_PATH)["spec"]
    spec["catalog"]["replicas"] = 5
    watcher = by_kind(render_all(library(spec), passwords=PASSWORDS), "Deployment")["lib-watcher"]
    assert watcher["spec"]["replicas"] == 1
    assert watcher["spec"]["strategy"] == {"type": "Recreate"}


def test_pods_are_non_root_read_only_without_capabilities_and_mount_music_read_only() -> None:
    for manifest in render_all(library(), passwords=PASSWORDS):
        if manifest["kind"] not in {"Deployment", "Job", "StatefulSet"}:
            continue
        pod = manifest["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            ctx = container["securityContext"]
            assert ctx["capabilities"] == {"drop": ["ALL"]}
            assert ctx["allowPrivilegeEscalation"] is False
            if manifest["kind"] != "StatefulSet":
                assert ctx["readOnlyRootFilesystem"] is True
            for mount in container["volumeMounts"]:
                if mount["name"] == "music":
                    assert mount["readOnly"] is True


def test_autoscaled_analysis_keeps_the_current_count_within_bounds() -> None:
    lib = library()  # example: autoscaling 0..3
    assert by_kind(render_all(lib, passwords=PASSWORDS), "Deployment")["lib-analysis"]["spec"]["replicas"] == 0
    kept = render_all(lib, passwords=PASSWORDS, current_analysis=2)
    assert by_kind(kept, "Deployment")["lib-analysis"]["spec"]["replicas"] == 2
    clamped = render_all(lib, passwords=PASSWORDS, current_analysis=9)
    assert by_kind(clamped, "Deployment")["lib-analysis"]["spec"]["replicas"] == 3


def test_rendering_is_deterministic_and_a_config_change_rolls_the_pods() -> None:
    first = render_all(library(), passwords=PASSWORDS)
    assert first == render_all(library(), passwords=PASSWORDS)
    spec = load_yaml(EXAMPLE_PATH)["spec"]
    spec["logLevel"] = "DEBUG"
    changed = render_all(library(spec), passwords=PASSWORDS)
    key = "tracktion.dev/config-hash"
    before = by_kind(first, "Deployment")["lib-catalog"]["spec"]["template"]["metadata"]["annotations"][key]
    after = by_kind(changed, "Deployment")["lib-catalog"]["spec"]["template"]["metadata"]["annotations"][key]
    assert before != after


def test_a_new_image_tag_gets_a_new_migration_job() -> None:
    spec = load_yaml(EXAMPLE_PATH)["spec"]
    old = set(by_kind(render_all(library(spec), passwords=PASSWORDS), "Job"))
    spec["image"]["tag"] = "next"
    assert old.isdisjoint(by_kind(render_all(library(spec), passwords=PASSWORDS), "Job"))
