"""The pipeline's children: ConfigMap, migration Job, one Deployment and metrics Service per service.

The graph writer is one of the services, but only where it has somewhere to write: with a Neo4j configured. Without
one, each process would keep an embedded graph file of its own in an emptyDir that nobody else can read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tracktion_operator.model import Library, Resources
from tracktion_operator.render.bundled import BUNDLED, bundled_services, render_bundled, secret_name
from tracktion_operator.render.common import (
    TMP,
    Manifest,
    child_name,
    container_security_context,
    metadata,
    pod_security_context,
    selector_labels,
)

MUSIC_MOUNT = "/music"
DATA_MOUNT = "/data"
METRICS_PORT = 9464  # TRACKTION_METRICS_PORT in the pods: Prometheus' conventional exporter port
MIGRATION_COMPONENT = "migrate"
CONFIG_HASH_ANNOTATION = "tracktion.dev/config-hash"

# Runs the shared Alembic upgrade with the catalog image (it has tracktion_shared but no `tracktion` CLI).
MIGRATE_SCRIPT = (
    "import asyncio, os; from tracktion_shared.storage.migrate import upgrade; "
    "asyncio.run(upgrade(os.environ['TRACKTION_DATABASE_URL']))"
)


@dataclass(frozen=True)
class ServiceKind:
    """One pipeline service: its Deployment suffix, image name and whether it reads the music folder."""

    name: str
    image: str
    module: str
    mounts_music: bool


SERVICES: tuple[ServiceKind, ...] = (
    ServiceKind("watcher", "tracktion-file-watcher", "tracktion_watcher", mounts_music=True),
    ServiceKind("catalog", "tracktion-cataloging-service", "tracktion_catalog", mounts_music=True),
    ServiceKind("analysis", "tracktion-analysis-service", "tracktion_analysis", mounts_music=True),
    ServiceKind("tracklist", "tracktion-tracklist-service", "tracktion_tracklist", mounts_music=False),
    ServiceKind("identify", "tracktion-identify-service", "tracktion_identify", mounts_music=True),
    # The graph writer lives in tracktion_shared, which every service image carries; the catalog's image runs it.
    ServiceKind("graph", "tracktion-cataloging-service", "tracktion_shared.graph", mounts_music=False),
)


def has_neo4j(lib: Library) -> bool:
    neo4j = lib.spec.backing.neo4j
    return neo4j.bundled or neo4j.secret_ref is not None


def deployed_services(lib: Library) -> tuple[ServiceKind, ...]:
    """The services this library runs: all but the graph writer when it is disabled or has no Neo4j to write to."""
    graph_wanted = lib.spec.graph.enabled and has_neo4j(lib)
    return tuple(svc for svc in SERVICES if svc.name != "graph" or graph_wanted)


def analysis_deployment_name(lib: Library) -> str:
    return child_name(lib, "analysis")


def config_map_name(lib: Library) -> str:
    return child_name(lib, "config")


def migration_job_name(lib: Library) -> str:
    """A new name per image (registry+tag): Job templates are immutable and a new release may bring migrations."""
    digest = hashlib.sha256(lib.spec.image.of("tracktion-cataloging-service").encode()).hexdigest()[:8]
    return child_name(lib, f"migrate-{digest}")


def render_config_map(lib: Library) -> Manifest:
    spec = lib.spec
    data = {
        "TRACKTION_BUS_PREFIX": spec.bus_prefix,
        "TRACKTION_LOG_LEVEL": spec.log_level,
        "TRACKTION_LOG_FORMAT": "json",
        "TRACKTION_DATA_DIR": DATA_MOUNT,
        "TRACKTION_WATCH_ROOT": MUSIC_MOUNT,
        "TRACKTION_TRACKLIST_ENABLED": "true" if spec.tracklist.enabled else "false",
        # the catalog asks for fingerprints (and reports the stage) only where the identify service runs
        "TRACKTION_CATALOG_IDENTIFY": "true" if spec.identify.enabled and spec.identify.replicas > 0 else "false",
        "TRACKTION_IDENTIFY_SET_SECONDS": str(spec.identify.set_seconds),
        # no graph writer deployed: the catalog sends no graph states (nothing would consume them) and reports none
        "TRACKTION_CATALOG_GRAPH": "true" if any(svc.name == "graph" for svc in deployed_services(lib)) else "false",
        "TRACKTION_TRACKLIST_REQUEST_INTERVAL": f"{60 / spec.tracklist.rate_limit_per_minute:g}",
        "TRACKTION_METRICS_PORT": str(METRICS_PORT),
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": f"{spec.telemetry.sample_ratio:g}",
    }
    if spec.telemetry.otlp_endpoint:
        data["OTEL_EXPORTER_OTLP_ENDPOINT"] = spec.telemetry.otlp_endpoint
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(lib, config_map_name(lib), "config"),
        "data": data,
    }


def _secret_env(env_name: str, secret: str, key: str, *, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": secret, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": env_name, "valueFrom": {"secretKeyRef": ref}}


def backing_env(lib: Library) -> list[dict[str, Any]]:
    """Connection URLs from Secrets only (bundled or the user's); a backing service with neither is left unset."""
    bundled = {svc.key: svc for svc in bundled_services(lib)}
    env_names = {
        "amqp": "TRACKTION_AMQP_URL",
        "postgres": "TRACKTION_DATABASE_URL",
        "redis": "TRACKTION_REDIS_URL",
        "neo4j": "TRACKTION_NEO4J_URL",
    }
    out: list[dict[str, Any]] = []
    for svc in BUNDLED:
        backing = getattr(lib.spec.backing, svc.key)
        if svc.key in bundled:
            out.append(_secret_env(env_names[svc.key], secret_name(lib, svc), "url"))
            if svc.key == "neo4j":
                out.append(_secret_env("TRACKTION_NEO4J_USER", secret_name(lib, svc), "username"))
                out.append(_secret_env("TRACKTION_NEO4J_PASSWORD", secret_name(lib, svc), "password"))
        elif backing.secret_ref is not None:
            ref = backing.secret_ref
            out.append(_secret_env(env_names[svc.key], ref.name, ref.key))
            if svc.key == "neo4j":
                out.append(_secret_env("TRACKTION_NEO4J_USER", ref.name, "user", optional=True))
                out.append(_secret_env("TRACKTION_NEO4J_PASSWORD", ref.name, "password", optional=True))
    return out


def _music_volume(lib: Library) -> dict[str, Any]:
    music = lib.spec.music
    if music.existing_claim is not None:
        return {"name": "music", "persistentVolumeClaim": {"claimName": music.existing_claim, "readOnly": True}}
    if music.nfs is not None:
        return {"name": "music", "nfs": {"server": music.nfs.server, "path": music.nfs.path, "readOnly": True}}
    return {"name": "music", "hostPath": {"path": music.host_path, "type": "Directory"}}


def config_hash(lib: Library) -> str:
    """Changes when the ConfigMap's data changes, so pods roll when their environment does."""
    data = render_config_map(lib)["data"]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def pod_spec(lib: Library, svc: ServiceKind, image: str, command: list[str], resources: Resources) -> dict[str, Any]:
    """One container running ``command`` with the library's config, backing URLs (by Secret) and mounts."""
    mounts: list[dict[str, Any]] = [{"name": "data", "mountPath": DATA_MOUNT}, {"name": "tmp", "mountPath": TMP}]
    volumes: list[dict[str, Any]] = [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]
    if svc.mounts_music:
        mount: dict[str, Any] = {"name": "music", "mountPath": MUSIC_MOUNT, "readOnly": True}
        if lib.spec.music.sub_path:
            mount["subPath"] = lib.spec.music.sub_path
        mounts.append(mount)
        volumes.append(_music_volume(lib))
    container: dict[str, Any] = {
        "name": svc.name,
        "image": image,
        "imagePullPolicy": lib.spec.image.pull_policy,
        "command": command,
        "envFrom": [{"configMapRef": {"name": config_map_name(lib)}}],
        "env": [*backing_env(lib), {"name": "OTEL_SERVICE_NAME", "value": f"tracktion-{svc.name}"}],
        "ports": [{"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "securityContext": container_security_context(),
        "volumeMounts": mounts,
        "resources": resources.manifest(),
    }
    return {
        "securityContext": pod_security_context(),
        "automountServiceAccountToken": False,
        "containers": [container],
        "volumes": volumes,
    }


def _replicas(lib: Library, svc: ServiceKind, current_analysis: int | None) -> int:
    spec = lib.spec
    fixed = {
        "watcher": 1,  # two watchers would report every file twice
        "catalog": spec.catalog.replicas,
        "tracklist": spec.tracklist.replicas if spec.tracklist.enabled else 0,
        "identify": spec.identify.replicas if spec.identify.enabled else 0,
        "graph": spec.graph.replicas,
    }
    if svc.name in fixed:
        return fixed[svc.name]
    scaling = spec.analysis.autoscaling
    if not scaling.enabled:
        return spec.analysis.replicas
    # Autoscaled: keep what the autoscaler last decided, clamped to the (possibly changed) bounds.
    start = scaling.min_replicas if current_analysis is None else current_analysis
    return max(scaling.min_replicas, min(scaling.max_replicas, start))


def _resources(lib: Library, svc: ServiceKind) -> Resources:
    spec = lib.spec
    return {
        "watcher": spec.watcher.resources,
        "catalog": spec.catalog.resources,
        "analysis": spec.analysis.resources,
        "tracklist": spec.tracklist.resources,
        "identify": spec.identify.resources,
        "graph": spec.graph.resources,
    }[svc.name]


def render_deployment(lib: Library, svc: ServiceKind, current_analysis: int | None = None) -> Manifest:
    name = child_name(lib, svc.name)
    pod = pod_spec(lib, svc, lib.spec.image.of(svc.image), ["python", "-m", svc.module], _resources(lib, svc))
    spec: dict[str, Any] = {
        "replicas": _replicas(lib, svc, current_analysis),
        "selector": {"matchLabels": selector_labels(lib, svc.name)},
        "template": {
            "metadata": {
                "labels": selector_labels(lib, svc.name),
                "annotations": {CONFIG_HASH_ANNOTATION: config_hash(lib)},
            },
            "spec": pod,
        },
    }
    if svc.name == "watcher":
        spec["strategy"] = {"type": "Recreate"}  # never two watchers, not even during a rollout
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(lib, name, svc.name), "spec": spec}


def render_metrics_service(lib: Library, svc: ServiceKind) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            **metadata(lib, child_name(lib, f"{svc.name}-metrics"), svc.name),
            # the common scrape convention, for Prometheus set up with kubernetes_sd and these annotations
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS_PORT)},
        },
        "spec": {
            "clusterIP": "None",
            "selector": selector_labels(lib, svc.name),
            "ports": [{"name": "metrics", "port": METRICS_PORT, "targetPort": METRICS_PORT, "protocol": "TCP"}],
        },
    }


def render_migration_job(lib: Library) -> Manifest:
    catalog = SERVICES[1]
    pod = pod_spec(lib, catalog, lib.spec.image.of(catalog.image), ["python", "-c", MIGRATE_SCRIPT], Resources())
    pod["containers"][0]["name"] = MIGRATION_COMPONENT
    del pod["containers"][0]["ports"]  # a one-shot migration serves no metrics
    pod["restartPolicy"] = "OnFailure"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(lib, migration_job_name(lib), MIGRATION_COMPONENT),
        "spec": {
            "backoffLimit": 6,
            "template": {"metadata": {"labels": selector_labels(lib, MIGRATION_COMPONENT)}, "spec": pod},
        },
    }


def render_pipeline(
    lib: Library, *, passwords: dict[str, str] | None = None, current_analysis: int | None = None
) -> list[Manifest]:
    """The pipeline's children, in apply order: bundled backing services, config, migration, then the services.

    ``passwords`` (backing key -> password) is needed only for bundled services; ``current_analysis`` is the analysis
    Deployment's current replica count, kept when autoscaling so a reconcile does not undo the autoscaler.
    """
    out = render_bundled(lib, passwords or {})
    out.append(render_config_map(lib))
    job = render_migration_job(lib)
    out.append(job)
    for svc in deployed_services(lib):
        out.append(render_deployment(lib, svc, current_analysis if svc.name == "analysis" else None))
        out.append(render_metrics_service(lib, svc))
    return out
