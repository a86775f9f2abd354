"""A small async Kubernetes API client for the children the operator owns (aiohttp, which kopf already uses).

Only get/create/merge-patch/delete by apiVersion+kind+namespace+name: the reconciler needs nothing more, and one
plain client works the same against a real API server, ``kubectl proxy`` and the kmock emulator in tests.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass, field
from typing import Any

import aiohttp

__all__ = ["API_URL_ENV", "PLURALS", "ApiError", "KubeApi", "connection_from_environment"]

API_URL_ENV = "TRACKTION_OPERATOR_API_URL"  # e.g. http://127.0.0.1:8001 for `kubectl proxy`, or an emulator

PLURALS = {
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "Service": "services",
    "ServiceAccount": "serviceaccounts",
    "Role": "roles",
    "RoleBinding": "rolebindings",
    "Deployment": "deployments",
    "Ingress": "ingresses",
    "StatefulSet": "statefulsets",
    "Job": "jobs",
    "Event": "events",
    "ScaledObject": "scaledobjects",
    "TriggerAuthentication": "triggerauthentications",
    "CustomResourceDefinition": "customresourcedefinitions",
    "MusicLibrary": "musiclibraries",
}
CLUSTER_SCOPED = frozenset({"CustomResourceDefinition"})


class ApiError(Exception):
    """An API call failed; ``status`` is the HTTP status (0 when the server could not be reached)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


@dataclass(frozen=True)
class Connection:
    server: str
    headers: dict[str, str] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None


def connection_from_environment() -> Connection:
    """``$TRACKTION_OPERATOR_API_URL`` when set; else in-cluster service account, else the kubeconfig."""
    url = os.environ.get(API_URL_ENV)
    if url:
        return Connection(server=url.rstrip("/"))
    from kubernetes import client, config  # noqa: PLC0415  (only needed outside tests and proxies)

    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    except config.ConfigException:
        config.load_kube_config()  # type: ignore[no-untyped-call]
    cfg = client.Configuration.get_default_copy()
    headers: dict[str, str] = {}
    token = cfg.api_key.get("authorization") or cfg.api_key.get("BearerToken")
    if token:
        # in-cluster config stores "bearer <token>" whole; kubeconfig tokens may come with a separate prefix
        prefix = cfg.api_key_prefix.get("authorization", "Bearer")
        headers["Authorization"] = token if token.lower().startswith("bearer ") else f"{prefix} {token}"
    context = ssl.create_default_context(cafile=cfg.ssl_ca_cert) if cfg.ssl_ca_cert else ssl.create_default_context()
    if cfg.cert_file and cfg.key_file:
        context.load_cert_chain(cfg.cert_file, cfg.key_file)
    return Connection(server=str(cfg.host).rstrip("/"), headers=headers, ssl_context=context)


def resource_path(api_version: str, kind: str, namespace: str | None, name: str | None = None) -> str:
    prefix = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    plural = PLURALS[kind]
    path = prefix if kind in CLUSTER_SCOPED or namespace is None else f"{prefix}/namespaces/{namespace}"
    path = f"{path}/{plural}"
    return f"{path}/{name}" if name else path


class KubeApi:
    """One aiohttp session to the API server; use as ``async with KubeApi(connection) as api``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> KubeApi:
        self._session = aiohttp.ClientSession(
            base_url=None,
            headers=self._connection.headers,
            timeout=aiohttp.ClientTimeout(total=30),
            connector=aiohttp.TCPConnector(ssl=self._connection.ssl_context or False)
            if self._connection.server.startswith("https")
            else None,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        session, self._session = self._session, None
        if session is not None:
            # Shielded: kopf cancels handlers at shutdown, and a close cut short leaks the connector.
            await asyncio.shield(session.close())

    async def _call(self, method: str, path: str, body: Any = None, content_type: str | None = None) -> Any:
        assert self._session is not None, "use KubeApi as an async context manager"
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            async with self._session.request(
                method, self._connection.server + path, json=body, headers=headers
            ) as response:
                if response.status == 404:
                    return None
                data = await response.json(content_type=None)
                if response.status >= 400:
                    message = data.get("message", "") if isinstance(data, dict) else str(data)
                    raise ApiError(response.status, message)
                return data
        except aiohttp.ClientError as exc:
            raise ApiError(0, f"{type(exc).__name__}: {exc}") from exc

    async def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._call("GET", resource_path(api_version, kind, namespace, name))
        return result

    async def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        meta = manifest["metadata"]
        path = resource_path(manifest["apiVersion"], manifest["kind"], meta.get("namespace"))
        result: dict[str, Any] = await self._call("POST", path, manifest)
        return result

    async def merge_patch(self, manifest: dict[str, Any]) -> dict[str, Any]:
        meta = manifest["metadata"]
        path = resource_path(manifest["apiVersion"], manifest["kind"], meta.get("namespace"), meta["name"])
        result: dict[str, Any] = await self._call("PATCH", path, manifest, "application/merge-patch+json")
        return result

    async def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> None:
        """Delete one object; one that is already gone is fine."""
        await self._call("DELETE", resource_path(api_version, kind, namespace, name))

    async def exists(self, api_version: str, kind: str, namespace: str | None, name: str) -> bool:
        return await self.get(api_version, kind, namespace, name) is not None
