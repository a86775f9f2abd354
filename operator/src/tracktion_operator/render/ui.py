"""The web UI's children: its token Secret (when the library names none), a ServiceAccount allowed to read its own
MusicLibrary, Deployment, Service and optional Ingress.

The UI reads what the catalog writes (same database, graph and broker URLs, by Secret) and serves ``.cue`` sheets from
the music folder, mounted read-only like everywhere else. Its status page shows the library's status as the operator
wrote it (phase, conditions, queue depth, analysis workers), so the UI's Role may ``get`` that one MusicLibrary and
nothing else; it is the only pod that mounts a service account token. Its access token comes from a Secret only: the
user's (``ui.tokenSecretRef``) or one the operator generates once and never overwrites, like the bundled passwords.
"""

from __future__ import annotations

from typing import Any

from tracktion_operator.model import GROUP, PLURAL, Library
from tracktion_operator.render.children import CONFIG_HASH_ANNOTATION, ServiceKind, config_hash, pod_spec
from tracktion_operator.render.common import Manifest, child_name, metadata, selector_labels

__all__ = ["LIBRARY_ENV", "UI", "UI_PORT", "render_ui", "token_secret", "ui_name"]

UI = ServiceKind("ui", "tracktion-web-ui", "tracktion_web", mounts_music=True)
UI_PORT = 8477  # tracktion_web's default; set explicitly so the image's default cannot drift from the Service
LIBRARY_ENV = "TRACKTION_UI_LIBRARY"  # "<namespace>/<name>" of the MusicLibrary whose status the UI shows


def ui_name(lib: Library) -> str:
    return child_name(lib, UI.name)


def token_secret(lib: Library) -> tuple[str, str]:
    """(Secret name, key) of ``TRACKTION_UI_TOKEN``: the user's reference, else the generated ``<name>-ui-token``."""
    ref = lib.spec.ui.token_secret_ref
    return (ref.name, ref.key) if ref is not None else (child_name(lib, "ui-token"), "token")


def render_token_secret(lib: Library, token: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(lib, token_secret(lib)[0], UI.name),
        "type": "Opaque",
        "stringData": {"token": token},
    }


def render_service_account(lib: Library) -> Manifest:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(lib, ui_name(lib), UI.name)}


def render_role(lib: Library) -> Manifest:
    """Read this library and nothing else: not its Secrets, not other libraries, not the children."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(lib, ui_name(lib), UI.name),
        "rules": [
            {
                "apiGroups": [GROUP],
                "resources": [PLURAL],
                "resourceNames": [lib.name],
                "verbs": ["get"],
            }
        ],
    }


def render_role_binding(lib: Library) -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(lib, ui_name(lib), UI.name),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ui_name(lib)},
        "subjects": [{"kind": "ServiceAccount", "name": ui_name(lib), "namespace": lib.namespace}],
    }


def render_deployment(lib: Library) -> Manifest:
    ui = lib.spec.ui
    pod = pod_spec(lib, UI, lib.spec.image.of(UI.image), ["python", "-m", UI.module], ui.resources)
    pod["serviceAccountName"] = ui_name(lib)
    pod["automountServiceAccountToken"] = True  # to read its MusicLibrary's status (render_role)
    container = pod["containers"][0]
    secret, key = token_secret(lib)
    container["env"] += [
        {"name": "TRACKTION_UI_HOST", "value": "0.0.0.0"},  # noqa: S104  (inside the pod; the Service decides reach)
        {"name": "TRACKTION_UI_PORT", "value": str(UI_PORT)},
        {"name": "TRACKTION_UI_TOKEN", "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}},
        {"name": LIBRARY_ENV, "value": f"{lib.namespace}/{lib.name}"},
    ]
    container["ports"] = [{"name": "http", "containerPort": UI_PORT, "protocol": "TCP"}]
    # A TCP check: it needs nothing from the UI's routes (all of which want the token).
    container["readinessProbe"] = {"tcpSocket": {"port": "http"}, "periodSeconds": 10}
    container["livenessProbe"] = {"tcpSocket": {"port": "http"}, "initialDelaySeconds": 30, "periodSeconds": 20}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(lib, ui_name(lib), UI.name),
        "spec": {
            "replicas": ui.replicas,
            "selector": {"matchLabels": selector_labels(lib, UI.name)},
            "template": {
                "metadata": {
                    "labels": selector_labels(lib, UI.name),
                    "annotations": {CONFIG_HASH_ANNOTATION: config_hash(lib)},
                },
                "spec": pod,
            },
        },
    }


def render_service(lib: Library) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(lib, ui_name(lib), UI.name),
        "spec": {
            "type": lib.spec.ui.service_type,
            "selector": selector_labels(lib, UI.name),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def render_ingress(lib: Library) -> Manifest:
    ingress = lib.spec.ui.ingress
    rule: dict[str, Any] = {
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": ui_name(lib), "port": {"name": "http"}}},
                }
            ]
        }
    }
    if ingress.host:
        rule["host"] = ingress.host
    spec: dict[str, Any] = {"rules": [rule]}
    if ingress.class_name:
        spec["ingressClassName"] = ingress.class_name
    if ingress.tls_secret_name:
        tls: dict[str, Any] = {"secretName": ingress.tls_secret_name}
        if ingress.host:
            tls["hosts"] = [ingress.host]
        spec["tls"] = [tls]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(lib, ui_name(lib), UI.name),
        "spec": spec,
    }


def render_ui(lib: Library, token: str | None) -> list[Manifest]:
    """The UI's children in apply order, or none when the UI is off.

    ``token`` is a freshly generated token for the operator's own Secret (needed only when the library names no
    ``tokenSecretRef``; the reconciler passes a placeholder once the Secret exists, as it is create-only).
    """
    ui = lib.spec.ui
    if not ui.enabled:
        return []
    out: list[Manifest] = []
    if ui.token_secret_ref is None:
        if token is None:
            raise ValueError("the UI needs a generated token when spec.ui.tokenSecretRef is not set")
        out.append(render_token_secret(lib, token))
    out += [
        render_service_account(lib),
        render_role(lib),
        render_role_binding(lib),
        render_deployment(lib),
        render_service(lib),
    ]
    if ui.ingress.enabled:
        out.append(render_ingress(lib))
    return out
