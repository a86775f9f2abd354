"""Pieces every child manifest shares: names, labels, owner references, security contexts."""

from __future__ import annotations

from typing import Any

from tracktion_operator.model import GROUP, KIND, VERSION, Library

Manifest = dict[str, Any]

LABEL_NAME = "app.kubernetes.io/name"
LABEL_INSTANCE = "app.kubernetes.io/instance"
LABEL_COMPONENT = "app.kubernetes.io/component"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "tracktion-operator"
TMP = "/tmp"  # noqa: S108  (an emptyDir mount point inside the pod, not a host path)
UID = 10001  # the uid/gid the tracktion images create and run as


def owner_reference(lib: Library) -> dict[str, Any]:
    """Controller owner reference: deleting the MusicLibrary garbage-collects every child."""
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": KIND,
        "name": lib.name,
        "uid": lib.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def selector_labels(lib: Library, component: str) -> dict[str, str]:
    return {LABEL_NAME: "tracktion", LABEL_INSTANCE: lib.name, LABEL_COMPONENT: component}


def labels(lib: Library, component: str) -> dict[str, str]:
    return {**selector_labels(lib, component), LABEL_MANAGED_BY: MANAGER}


def metadata(lib: Library, name: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": lib.namespace,
        "labels": labels(lib, component),
        "ownerReferences": [owner_reference(lib)],
    }


def child_name(lib: Library, suffix: str) -> str:
    return f"{lib.name}-{suffix}"


def pod_security_context(uid: int = UID) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context(*, read_only_root: bool = True) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
