"""Run the real kopf operator, as its own process, against kmock, the Kubernetes API emulator (no cluster needed).

The operator's timing knobs are environment variables read when ``tracktion_operator.handlers`` is imported, so they
are set here: the operator process inherits them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ports import free_port

os.environ.setdefault("TRACKTION_OPERATOR_RESYNC_SECONDS", "1")
os.environ.setdefault("TRACKTION_OPERATOR_TICK_SECONDS", "0.5")

RESOURCES: dict[str, dict[str, Any]] = {
    "v1/namespaces": {"kind": "Namespace", "namespaced": False},
    "apiextensions.k8s.io/v1/customresourcedefinitions": {"kind": "CustomResourceDefinition", "namespaced": False},
    "tracktion.dev/v1alpha1/musiclibraries": {
        "kind": "MusicLibrary",
        "namespaced": True,
        "singular": "musiclibrary",
        "subresources": ["status"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    "v1/events": {"kind": "Event", "namespaced": True},
    "v1/configmaps": {"kind": "ConfigMap", "namespaced": True},
    "v1/secrets": {"kind": "Secret", "namespaced": True},
    "v1/services": {"kind": "Service", "namespaced": True},
    "v1/serviceaccounts": {"kind": "ServiceAccount", "namespaced": True},
    "rbac.authorization.k8s.io/v1/roles": {"kind": "Role", "namespaced": True},
    "rbac.authorization.k8s.io/v1/rolebindings": {"kind": "RoleBinding", "namespaced": True},
    "apps/v1/deployments": {"kind": "Deployment", "namespaced": True},
    "apps/v1/statefulsets": {"kind": "StatefulSet", "namespaced": True},
    "batch/v1/jobs": {"kind": "Job", "namespaced": True},
    "networking.k8s.io/v1/ingresses": {"kind": "Ingress", "namespaced": True},
    "keda.sh/v1alpha1/scaledobjects": {"kind": "ScaledObject", "namespaced": True},
    "keda.sh/v1alpha1/triggerauthentications": {"kind": "TriggerAuthentication", "namespaced": True},
}


@pytest.fixture
async def k8s(kmock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """kmock with the resources the operator touches declared, and the operator pointed at it."""
    for key, info in RESOURCES.items():
        for attr, value in info.items():
            setattr(kmock.resources[key], attr, value)
    monkeypatch.setenv("TRACKTION_OPERATOR_API_URL", str(kmock.url).rstrip("/"))
    return kmock


@pytest.fixture
def operator_metrics_port() -> int:
    """Where the operator under test serves its /metrics (``TRACKTION_METRICS_PORT``)."""
    return free_port()


@pytest.fixture
async def running_operator(k8s: Any, operator_metrics_port: int, tmp_path: Path) -> AsyncIterator[Any]:
    """The operator as the image runs it (``kopf run -m tracktion_operator.handlers --all-namespaces``), stopped
    with SIGTERM at teardown, which it must survive with exit code 0 within 20 s.

    A process of its own, not a task on the test's loop: kopf opens an API session during its own shutdown that
    nothing closes (found by recording where each unclosed aiohttp session was made), and in-process that
    session's ResourceWarning failed whichever later test was running when the garbage collector found it.
    """
    liveness = free_port()
    log_path = tmp_path / "operator.log"
    env = {**os.environ, "TRACKTION_METRICS_PORT": str(operator_metrics_port)}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: ASYNC220  (starting a process does not block; waiting is off-loop)
            [
                str(Path(sys.executable).with_name("kopf")),
                "run",
                "-m",
                "tracktion_operator.handlers",
                "--all-namespaces",
                "--standalone",
                f"--liveness=http://127.0.0.1:{liveness}/healthz",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        await _until_live(process, liveness, log_path)
        yield k8s
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        assert code == 0, f"the operator did not stop cleanly on SIGTERM ({code}):\n{_tail(log_path)}"


async def _until_live(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    """kopf's liveness endpoint answers once the operator has started and logged in."""
    deadline = asyncio.get_running_loop().time() + 30
    async with httpx.AsyncClient() as client:
        while asyncio.get_running_loop().time() < deadline:
            assert process.poll() is None, f"the operator exited ({process.returncode}):\n{_tail(log_path)}"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise AssertionError(f"the operator was not live within 30 s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
