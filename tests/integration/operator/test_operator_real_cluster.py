"""What only a real API server can say: server-side validation of every child, and garbage collection by owner.

kmock (the other operator tests) stores what it is sent; it neither validates against the built-in schemas nor runs
the garbage collector. These tests need a real cluster and skip without one: this machine can run neither Docker nor
a kube-apiserver, so they run where ``TRACKTION_TEST_KUBECONFIG`` names a cluster's kubeconfig (the e2e-kind
workflow). Each test works in a namespace of its own and deletes it afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tracktion_operator.model import Library, MusicLibrarySpec
from tracktion_operator.render import render_all

CRD_PATH = Path(__file__).parents[3] / "crds" / "musiclibrary.yaml"
KUBECONFIG = os.environ.get("TRACKTION_TEST_KUBECONFIG", "")
KUBECTL = shutil.which("kubectl")

pytestmark = [
    pytest.mark.kubernetes,
    pytest.mark.skipif(
        not KUBECONFIG,
        reason="needs a real Kubernetes cluster: no Docker and no kube-apiserver can run on this machine "
        "(set TRACKTION_TEST_KUBECONFIG to a cluster's kubeconfig, as the e2e-kind workflow does)",
    ),
]

PASSWORDS = dict.fromkeys(("amqp", "postgres", "redis", "neo4j"), "not-a-real-password")


def kubectl(*args: str, stdin: str | None = None, check: bool = True) -> str:
    assert KUBECTL is not None, "kubectl is not on PATH (bash .ci/tools installs it)"
    done = subprocess.run(
        [KUBECTL, "--kubeconfig", KUBECONFIG, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
    return done.stdout if done.returncode == 0 else ""


@pytest.fixture
def namespace() -> Iterator[str]:
    if not kubectl("get", "crd", "musiclibraries.tracktion.dev", "-o", "name", check=False):
        kubectl("apply", "--server-side", "-f", str(CRD_PATH))  # else the chart installed it: leave it to Helm
    kubectl("wait", "--for=condition=Established", "crd/musiclibraries.tracktion.dev", "--timeout=60s")
    name = f"tracktion-test-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    try:
        yield name
    finally:
        kubectl("delete", "namespace", name, "--wait=false")


def spec() -> dict[str, Any]:
    return {
        "music": {"hostPath": "/music"},
        "backing": {k: {"bundled": True} for k in ("amqp", "postgres", "redis", "neo4j")},
        "ui": {"enabled": True, "ingress": {"enabled": True, "host": "music.example.org"}},
    }


def create_library(namespace: str) -> Library:
    body = {
        "apiVersion": "tracktion.dev/v1alpha1",
        "kind": "MusicLibrary",
        "metadata": {"name": "lib", "namespace": namespace},
        "spec": spec(),
    }
    created = json.loads(kubectl("create", "-o", "json", "-f", "-", stdin=json.dumps(body)))
    return Library.from_body(created)


def children_list(lib: Library) -> str:
    manifests = render_all(lib, passwords=PASSWORDS, ui_token="t" * 24)
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests})


def test_the_api_server_accepts_every_rendered_child(namespace: str) -> None:
    lib = create_library(namespace)
    # the server applied the CRD's defaults to what was sent; the operator's own defaults must say the same
    assert lib.spec == MusicLibrarySpec.model_validate(spec())
    kubectl("apply", "--server-side", "--dry-run=server", "-f", "-", stdin=children_list(lib))


def test_deleting_the_library_garbage_collects_its_children(namespace: str) -> None:
    lib = create_library(namespace)
    kubectl("apply", "--server-side", "--field-manager=tracktion-operator", "-f", "-", stdin=children_list(lib))
    assert kubectl("get", "deployment", "lib-catalog", "-n", namespace, "-o", "name").strip()
    kubectl("delete", "musiclibrary", "lib", "-n", namespace, "--wait=true")
    deadline = time.monotonic() + 120
    left = "?"
    while time.monotonic() < deadline:
        left = kubectl(
            "get", "deployments,statefulsets,services,configmaps,jobs,ingresses", "-n", namespace, "-o", "name"
        ).strip()
        if not left:
            return
        time.sleep(2)
    raise AssertionError(f"still there two minutes after the library was deleted: {left}")
