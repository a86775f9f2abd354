"""``bundled: true`` backing services: a small single-replica StatefulSet, a Service and a Secret for each.

Meant for trying tracktion out and for CI clusters, not for keeping a collection's only database. The Secrets carry
generated passwords handed in by the caller (rendering stays pure); the reconciler creates them once and never
overwrites them, so the password stays what the data volume was initialised with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracktion_operator.model import Library
from tracktion_operator.render.common import (
    TMP,
    Manifest,
    child_name,
    container_security_context,
    metadata,
    pod_security_context,
    selector_labels,
)

USER = "tracktion"


@dataclass(frozen=True)
class BundledService:
    """How to run one backing service: image, port, the user it runs as, and the URL clients use."""

    key: str  # spec.backing.<key>
    suffix: str  # child name suffix
    image: str
    port: int
    uid: int
    data_path: str
    url_template: str  # {user} {password} {host} {port}
    env: tuple[tuple[str, str], ...]  # (NAME, secret key) pairs passed to the server container
    args: tuple[str, ...] = ()
    scratch_paths: tuple[str, ...] = (TMP,)


BUNDLED: tuple[BundledService, ...] = (
    BundledService(
        key="amqp",
        suffix="rabbitmq",
        image="docker.io/library/rabbitmq:3.13-management-alpine",
        port=5672,
        uid=100,
        data_path="/var/lib/rabbitmq",
        url_template="amqp://{user}:{password}@{host}:{port}/",
        env=(("RABBITMQ_DEFAULT_USER", "username"), ("RABBITMQ_DEFAULT_PASS", "password")),
    ),
    BundledService(
        key="postgres",
        suffix="postgres",
        image="docker.io/library/postgres:16-alpine",
        port=5432,
        uid=70,
        data_path="/var/lib/postgresql/data",
        url_template="postgresql://{user}:{password}@{host}:{port}/tracktion",
        env=(("POSTGRES_USER", "username"), ("POSTGRES_PASSWORD", "password")),
        scratch_paths=(TMP, "/var/run/postgresql"),
    ),
    BundledService(
        key="redis",
        suffix="redis",
        image="docker.io/library/redis:7-alpine",
        port=6379,
        uid=999,
        data_path="/data",
        url_template="redis://:{password}@{host}:{port}/0",
        env=(("REDIS_PASSWORD", "password"),),
        args=("sh", "-c", 'exec redis-server --appendonly yes --requirepass "$REDIS_PASSWORD"'),
    ),
    BundledService(
        key="neo4j",
        suffix="neo4j",
        image="docker.io/library/neo4j:5-community",
        port=7687,
        uid=7474,
        data_path="/data",
        url_template="bolt://{host}:{port}",
        env=(("NEO4J_AUTH", "auth"),),
        scratch_paths=(TMP, "/logs", "/var/lib/neo4j/run"),
    ),
)


def secret_name(lib: Library, svc: BundledService) -> str:
    return child_name(lib, svc.suffix)


def render_secret(lib: Library, svc: BundledService, password: str) -> Manifest:
    host = f"{child_name(lib, svc.suffix)}.{lib.namespace}.svc"
    data = {
        "username": USER if svc.key != "neo4j" else "neo4j",
        "password": password,
        "url": svc.url_template.format(user=USER, password=password, host=host, port=svc.port),
    }
    if svc.key == "neo4j":
        data["auth"] = f"neo4j/{password}"
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(lib, secret_name(lib, svc), svc.suffix),
        "type": "Opaque",
        "stringData": data,
    }


def render_service(lib: Library, svc: BundledService) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(lib, child_name(lib, svc.suffix), svc.suffix),
        "spec": {
            "selector": selector_labels(lib, svc.suffix),
            "ports": [{"name": svc.suffix, "port": svc.port, "targetPort": svc.port, "protocol": "TCP"}],
        },
    }


def render_statefulset(lib: Library, svc: BundledService) -> Manifest:
    name = child_name(lib, svc.suffix)
    env: list[dict[str, Any]] = [
        {"name": env_name, "valueFrom": {"secretKeyRef": {"name": secret_name(lib, svc), "key": key}}}
        for env_name, key in svc.env
    ]
    container: dict[str, Any] = {
        "name": svc.suffix,
        "image": svc.image,
        "ports": [{"name": svc.suffix, "containerPort": svc.port}],
        "env": env,
        # The upstream images write into their own directories at start-up; the root filesystem stays writable
        # for them, everything else (non-root, no capabilities, no escalation) still applies.
        "securityContext": container_security_context(read_only_root=False),
        "volumeMounts": [
            {"name": "data", "mountPath": svc.data_path},
            *({"name": f"scratch-{i}", "mountPath": p} for i, p in enumerate(svc.scratch_paths)),
        ],
        "readinessProbe": {"tcpSocket": {"port": svc.port}, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "1Gi"}},
    }
    if svc.args:
        container["command"] = list(svc.args)
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(lib, name, svc.suffix),
        "spec": {
            "serviceName": name,
            "replicas": 1,
            "selector": {"matchLabels": selector_labels(lib, svc.suffix)},
            "template": {
                "metadata": {"labels": selector_labels(lib, svc.suffix)},
                "spec": {
                    "securityContext": pod_security_context(svc.uid),
                    "automountServiceAccountToken": False,
                    "containers": [container],
                    "volumes": [{"name": f"scratch-{i}", "emptyDir": {}} for i in range(len(svc.scratch_paths))],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": lib.spec.backing.storage_size}},
                    },
                }
            ],
        },
    }


def bundled_services(lib: Library) -> list[BundledService]:
    """The backing services this library asked to have bundled."""
    backing = lib.spec.backing
    return [svc for svc in BUNDLED if getattr(backing, svc.key).bundled]


def render_bundled(lib: Library, passwords: dict[str, str]) -> list[Manifest]:
    """Secret, Service and StatefulSet per bundled backing service; ``passwords`` maps service key to password."""
    out: list[Manifest] = []
    for svc in bundled_services(lib):
        out += [render_secret(lib, svc, passwords[svc.key]), render_service(lib, svc), render_statefulset(lib, svc)]
    return out
