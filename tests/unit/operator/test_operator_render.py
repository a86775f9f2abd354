"""Rendering a MusicLibrary into children: valid for Kubernetes 1.31, owned, locked down, secrets by reference."""

from __future__ import annotations

from typing import Any

import pytest
from k8s_checks import EXAMPLE_PATH, load_yaml, validate_manifest

from tracktion_operator.model import Library
from tracktion_operator.render import optional_children, render_all
from tracktion_operator.render.children import METRICS_PORT, MIGRATE_SCRIPT

PASSWORDS = {"amqp": "pw-a", "postgres": "pw-p", "redis": "pw-r", "neo4j": "pw-n"}
UI_TOKEN = "generated-ui-token-0123456789"


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


def ui_spec(**ui: Any) -> dict[str, Any]:
    spec = external_spec()
    spec["ui"] = {
        "enabled": True,
        "replicas": 2,
        "serviceType": "NodePort",
        "ingress": {"enabled": True, "host": "music.example.org", "className": "nginx", "tlsSecretName": "music-tls"},
        **ui,
    }
    return spec


@pytest.mark.parametrize(
    "spec",
    [None, external_spec(), {"music": {"existingClaim": "songs"}}, ui_spec(), ui_spec(tokenSecretRef={"name": "t"})],
    ids=["bundled", "ext", "min", "ui", "ui-token-ref"],
)
def test_every_child_is_a_valid_kubernetes_manifest(spec: dict[str, Any] | None) -> None:
    for manifest in render_all(library(spec), passwords=PASSWORDS, ui_token=UI_TOKEN):
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
    assert set(by_kind(manifests, "Deployment")) == {
        "lib-watcher",
        "lib-catalog",
        "lib-analysis",
        "lib-tracklist",
        "lib-identify",
        "lib-graph",  # the example bundles Neo4j
    }
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


def container(manifest: dict[str, Any]) -> dict[str, Any]:
    [only] = manifest["spec"]["template"]["spec"]["containers"]
    return dict(only)


def secret_refs(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container(manifest)["env"] if "valueFrom" in e}


def test_every_service_serves_metrics_on_the_port_its_service_scrapes() -> None:
    manifests = render_all(library(), passwords=PASSWORDS)
    config = by_kind(manifests, "ConfigMap")["lib-config"]["data"]
    assert config["TRACKTION_METRICS_PORT"] == str(METRICS_PORT)
    services = by_kind(manifests, "Service")
    for name, deployment in by_kind(manifests, "Deployment").items():
        assert container(deployment)["ports"] == [{"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}]
        metrics_service = services[f"{name}-metrics"]
        assert metrics_service["spec"]["ports"][0]["targetPort"] == METRICS_PORT
        assert metrics_service["metadata"]["annotations"]["prometheus.io/port"] == str(METRICS_PORT)
        assert metrics_service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_catalog_keeps_a_graph_in_step_only_where_a_graph_writer_runs() -> None:
    with_graph = by_kind(render_all(library(), passwords=PASSWORDS), "ConfigMap")["lib-config"]["data"]
    assert with_graph["TRACKTION_CATALOG_GRAPH"] == "true"
    spec = load_yaml(EXAMPLE_PATH)["spec"]
    spec["graph"] = {"enabled": False}
    manifests = render_all(library(spec), passwords=PASSWORDS)
    assert "lib-graph" not in by_kind(manifests, "Deployment")
    assert by_kind(manifests, "ConfigMap")["lib-config"]["data"]["TRACKTION_CATALOG_GRAPH"] == "false"


def test_graph_writer_runs_the_shared_entry_point_against_the_librarys_neo4j() -> None:
    bundled = by_kind(render_all(library(), passwords=PASSWORDS), "Deployment")["lib-graph"]
    assert container(bundled)["command"] == ["python", "-m", "tracktion_shared.graph"]
    assert container(bundled)["image"] == "tracktion/tracktion-cataloging-service:dev"
    assert secret_refs(bundled)["TRACKTION_NEO4J_URL"] == {"name": "lib-neo4j", "key": "url"}
    assert secret_refs(bundled)["TRACKTION_NEO4J_PASSWORD"] == {"name": "lib-neo4j", "key": "password"}
    assert not any(m["name"] == "music" for m in container(bundled)["volumeMounts"])

    spec = external_spec()
    spec["graph"] = {"replicas": 2, "resources": {"limits": {"memory": "512Mi"}}}
    external = by_kind(render_all(library(spec)), "Deployment")["lib-graph"]
    assert secret_refs(external)["TRACKTION_NEO4J_URL"] == {"name": "neo", "key": "url"}
    assert external["spec"]["replicas"] == 2
    assert container(external)["resources"] == {"limits": {"memory": "512Mi"}}


@pytest.mark.parametrize(
    "spec",
    [
        {"music": {"existingClaim": "songs"}},  # no Neo4j: nowhere the other pods could read the graph from
        {"music": {"existingClaim": "songs"}, "backing": {"neo4j": {"bundled": True}}, "graph": {"enabled": False}},
    ],
    ids=["no-neo4j", "disabled"],
)
def test_no_graph_writer_without_neo4j_or_when_disabled(spec: dict[str, Any]) -> None:
    manifests = render_all(library(spec), passwords=PASSWORDS)
    assert "lib-graph" not in by_kind(manifests, "Deployment")
    assert "lib-graph-metrics" not in by_kind(manifests, "Service")


def test_ui_is_off_by_default() -> None:
    manifests = render_all(library(), passwords=PASSWORDS)
    assert not [m for m in manifests if m["metadata"]["labels"]["app.kubernetes.io/component"] == "ui"]


def test_ui_gets_deployment_service_ingress_and_a_generated_token_secret() -> None:
    manifests = render_all(library(ui_spec()), ui_token=UI_TOKEN)
    deployment = by_kind(manifests, "Deployment")["lib-ui"]
    ui = container(deployment)
    assert ui["command"] == ["python", "-m", "tracktion_web"]
    assert ui["image"] == "ghcr.io/tracktion/tracktion-web-ui:0.1.0"
    assert ui["ports"] == [{"name": "http", "containerPort": 8477, "protocol": "TCP"}]
    assert deployment["spec"]["replicas"] == 2
    # the catalog's database, graph and broker, and the token, all by Secret reference
    catalog = by_kind(manifests, "Deployment")["lib-catalog"]
    refs = secret_refs(deployment)
    for name in ("TRACKTION_DATABASE_URL", "TRACKTION_AMQP_URL", "TRACKTION_NEO4J_URL", "TRACKTION_REDIS_URL"):
        assert refs[name] == secret_refs(catalog)[name]
    assert refs["TRACKTION_UI_TOKEN"] == {"name": "lib-ui-token", "key": "token"}
    assert {"name": "music", "mountPath": "/music", "readOnly": True} in ui["volumeMounts"]
    assert deployment["spec"]["template"]["spec"]["volumes"] == catalog["spec"]["template"]["spec"]["volumes"]
    # the token lives in its own Secret only, never in the pod
    assert by_kind(manifests, "Secret")["lib-ui-token"]["stringData"] == {"token": UI_TOKEN}
    assert UI_TOKEN not in repr(deployment)

    service = by_kind(manifests, "Service")["lib-ui"]
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = by_kind(manifests, "Ingress")["lib-ui"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"secretName": "music-tls", "hosts": ["music.example.org"]}]
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "music.example.org"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "lib-ui", "port": {"name": "http"}}


def test_only_the_ui_holds_an_api_token_and_it_may_read_its_own_library_only() -> None:
    """The status page shows the MusicLibrary's status: a Role for ``get`` on that one object, bound to the UI."""
    manifests = render_all(library(ui_spec()), passwords=PASSWORDS, ui_token=UI_TOKEN)
    deployments = by_kind(manifests, "Deployment")
    pod = deployments["lib-ui"]["spec"]["template"]["spec"]
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == ("lib-ui", True)
    env = {e["name"]: e.get("value") for e in container(deployments["lib-ui"])["env"]}
    assert env["TRACKTION_UI_LIBRARY"] == "music/lib"
    others = [d["spec"]["template"]["spec"] for name, d in deployments.items() if name != "lib-ui"]
    assert others
    assert all(p["automountServiceAccountToken"] is False and "serviceAccountName" not in p for p in others)
    assert "lib-ui" in by_kind(manifests, "ServiceAccount")
    [rule] = by_kind(manifests, "Role")["lib-ui"]["rules"]
    assert rule == {
        "apiGroups": ["tracktion.dev"],
        "resources": ["musiclibraries"],
        "resourceNames": ["lib"],
        "verbs": ["get"],
    }
    binding = by_kind(manifests, "RoleBinding")["lib-ui"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "lib-ui"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "lib-ui", "namespace": "music"}]


def test_ui_with_a_token_secret_ref_and_no_ingress() -> None:
    spec = ui_spec(tokenSecretRef={"name": "my-ui"}, ingress={"enabled": False})
    manifests = render_all(library(spec))  # no generated token needed
    assert secret_refs(by_kind(manifests, "Deployment")["lib-ui"])["TRACKTION_UI_TOKEN"] == {
        "name": "my-ui",
        "key": "token",
    }
    assert not by_kind(manifests, "Secret")
    assert not by_kind(manifests, "Ingress")
    with pytest.raises(ValueError, match="token"):
        render_all(library(ui_spec()))  # a generated token is needed and none was handed in


def test_optional_children_cover_everything_a_spec_may_add_or_drop() -> None:
    """The reconciler deletes optional children a spec stops rendering; each of them must be on that list."""
    lib = library(ui_spec())
    full = {(m["kind"], m["metadata"]["name"]) for m in render_all(lib, passwords=PASSWORDS, ui_token=UI_TOKEN)}
    minimal = {
        (m["kind"], m["metadata"]["name"])
        for m in render_all(library({"music": {"existingClaim": "songs"}}), passwords=PASSWORDS)
    }
    optional = {(kind, name) for _, kind, name in optional_children(lib)}
    assert full - minimal - {("Secret", "lib-ui-token")} <= optional
    assert optional <= full


def test_the_identify_service_runs_with_the_music_and_the_catalog_asks_for_fingerprints_only_beside_it() -> None:
    lib = library(external_spec())
    deployments = by_kind(render_all(lib, passwords=PASSWORDS), "Deployment")
    identify = deployments["lib-identify"]["spec"]
    assert identify["replicas"] == 1
    container = identify["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "tracktion_identify"]
    assert any(mount["name"] == "music" and mount["readOnly"] for mount in container["volumeMounts"])
    config = by_kind(render_all(lib, passwords=PASSWORDS), "ConfigMap")["lib-config"]["data"]
    assert config["TRACKTION_CATALOG_IDENTIFY"] == "true"
    assert config["TRACKTION_IDENTIFY_SET_SECONDS"] == "900"

    off = library({**external_spec(), "identify": {"enabled": False}})
    manifests = render_all(off, passwords=PASSWORDS)
    assert by_kind(manifests, "Deployment")["lib-identify"]["spec"]["replicas"] == 0
    assert by_kind(manifests, "ConfigMap")["lib-config"]["data"]["TRACKTION_CATALOG_IDENTIFY"] == "false"
