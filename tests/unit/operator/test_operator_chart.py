"""The Helm chart: lints, renders with several values files into valid manifests, and grants only what is used."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_checks import ROOT, validate_cr, validate_manifest

from tracktion_operator.kube import PLURALS
from tracktion_operator.model import Library
from tracktion_operator.reconcile import CREATE_ONLY_KINDS
from tracktion_operator.render import optional_children, render_all
from tracktion_operator.render.keda import render_keda

CHART = ROOT / "charts" / "tracktion"
VALUES = [None, CHART / "ci" / "minimal-values.yaml", CHART / "ci" / "full-values.yaml"]


def helm_binary() -> str | None:
    local = ROOT / ".tools" / "bin" / "helm"
    return shutil.which("helm") or (str(local) if local.exists() else None)


HELM = helm_binary()
needs_helm = pytest.mark.skipif(
    HELM is None and not os.environ.get("CI"), reason="helm not on PATH or in .tools/bin (run: bash .ci/tools)"
)


def helm(*args: str) -> str:
    assert HELM is not None, "helm is missing in CI: .ci/tools should have installed it"
    return subprocess.run([HELM, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def template(values: Path | None) -> list[dict[str, Any]]:
    args = ["template", "tracktion", str(CHART), "--namespace", "tracktion", "--include-crds"]
    if values is not None:
        args += ["-f", str(values)]
    return [doc for doc in yaml.safe_load_all(helm(*args)) if doc]


@needs_helm
def test_helm_lint_strict() -> None:
    for values in VALUES:
        helm("lint", "--strict", str(CHART), *(["-f", str(values)] if values else []))


@needs_helm
@pytest.mark.parametrize("values", VALUES, ids=["default", "minimal", "full"])
def test_every_rendered_manifest_is_valid(values: Path | None) -> None:
    docs = template(values)
    kinds = {doc["kind"] for doc in docs}
    assert {"CustomResourceDefinition", "Deployment", "ClusterRole", "ClusterRoleBinding", "ServiceAccount"} <= kinds
    for doc in docs:
        if doc["kind"] == "MusicLibrary":
            validate_cr(doc)  # custom resources: against the CRD's schema
        else:
            validate_manifest(doc)


@needs_helm
def test_values_schema_rejects_nonsense() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        helm("template", "t", str(CHART), "--set", "logLevel=LOUD")
    with pytest.raises(subprocess.CalledProcessError):
        helm("template", "t", str(CHART), "--set", "unknownKey=1")


def _group(api_version: str) -> str:
    return api_version.split("/", maxsplit=1)[0] if "/" in api_version else ""


def used_permissions() -> set[tuple[str, str, str]]:
    """(apiGroup, resource, verb) the operator's code needs: kopf's own plus what the reconciler does to children."""
    used = {("tracktion.dev", "musiclibraries", verb) for verb in ("get", "list", "watch", "patch")} | {
        ("tracktion.dev", "musiclibraries/status", verb) for verb in ("get", "patch")
    }
    used |= {("apiextensions.k8s.io", "customresourcedefinitions", v) for v in ("get", "list", "watch")}
    used |= {("", "namespaces", v) for v in ("get", "list", "watch")}
    used |= {(g, "events", v) for g in ("", "events.k8s.io") for v in ("create", "patch")}
    spec = {
        "music": {"hostPath": "/m"},
        "backing": {k: {"bundled": True} for k in ("amqp", "postgres", "redis", "neo4j")},
        "analysis": {"autoscaling": {"engine": "keda"}},
        "ui": {"enabled": True, "ingress": {"enabled": True}},
    }
    lib = Library.from_body({"metadata": {"name": "l", "namespace": "n", "uid": "u"}, "spec": spec})
    passwords = dict.fromkeys(("amqp", "postgres", "redis", "neo4j"), "x")
    for manifest in [*render_all(lib, passwords=passwords, ui_token="t" * 16), *render_keda(lib)]:
        group, plural = _group(manifest["apiVersion"]), PLURALS[manifest["kind"]]
        verbs = ("get", "create") if manifest["kind"] in CREATE_ONLY_KINDS else ("get", "create", "patch")
        used |= {(group, plural, verb) for verb in verbs}
    # optional children a changed spec no longer renders are deleted
    used |= {(_group(api_version), PLURALS[kind], "delete") for api_version, kind, _ in optional_children(lib)}
    return used


@needs_helm
def test_cluster_role_grants_exactly_what_the_operator_uses() -> None:
    [role] = [doc for doc in template(None) if doc["kind"] == "ClusterRole"]
    granted = {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    assert "*" not in {part for triple in granted for part in triple}
    assert granted == used_permissions()
    assert not [doc for doc in template(None) if doc["kind"] in {"Role", "RoleBinding"}]
