"""The MusicLibrary's status, for the status page in the cluster: what the operator wrote, never recomputed here.

The operator records the phase, conditions, ready services, queue depth and analysis replicas in the library's
``status``; the UI's service account may ``get`` that one object (a Role the operator renders) and nothing else.
Off the cluster (``TRACKTION_UI_LIBRARY`` unset) there is nothing to read and the report is None. A status that cannot
be read (no credentials, API unreachable, forbidden, no such library) is reported on the page, never raised: the rest
of the page does not depend on it.

The kubernetes client is synchronous; each read runs in a worker thread with a request timeout.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from tracktion_web.models import ClusterReport, LibraryCondition, ServiceReplicas
from tracktion_web.settings import UiSettings

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

__all__ = ["GROUP", "PLURAL", "VERSION", "ClusterProbe", "cluster_report"]

log = logging.getLogger("tracktion.web.cluster")

GROUP, VERSION, PLURAL = "tracktion.dev", "v1alpha1", "musiclibraries"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def cluster_report(library: str, body: dict[str, Any]) -> ClusterReport:
    """The page's view of a MusicLibrary object; fields the operator has not written yet are None."""
    raw = body.get("status")
    status: dict[str, Any] = raw if isinstance(raw, dict) else {}
    generation = _int((body.get("metadata") or {}).get("generation"))
    observed = _int(status.get("observedGeneration"))
    conditions = [
        LibraryCondition(
            type=str(c.get("type")),
            status=str(c.get("status")),
            reason=_text(c.get("reason")),
            message=_text(c.get("message")),
        )
        for c in status.get("conditions") or []
        if isinstance(c, dict) and c.get("type")
    ]
    services = {
        str(name): ServiceReplicas(replicas=_int(counts.get("replicas")), ready=_int(counts.get("readyReplicas")))
        for name, counts in (status.get("services") or {}).items()
        if isinstance(counts, dict)
    }
    return ClusterReport(
        library=library,
        reachable=True,
        note=None if status else "the operator has not written this library's status yet",
        phase=_text(status.get("phase")),
        ready=_text(status.get("readySummary")),
        queue_depth=_int(status.get("queueDepth")),
        analysis_workers=_int(status.get("analysisReplicas")),
        up_to_date=None if generation is None or observed is None else observed >= generation,
        conditions=conditions,
        services=services,
    )


class ClusterProbe:
    """Reads one MusicLibrary; the API client is made on first use (in-cluster credentials, else kubeconfig)."""

    def __init__(self, ui: UiSettings) -> None:
        if ui.library is None:
            raise ValueError("ClusterProbe needs TRACKTION_UI_LIBRARY")
        self.library = ui.library
        self.namespace, self.name = ui.library.split("/", 1)
        self._api_url = ui.kube_api_url
        self.timeout = ui.cluster_timeout
        self._client: ApiClient | None = None

    async def report(self) -> ClusterReport:
        try:
            body = await asyncio.wait_for(asyncio.to_thread(self._read), self.timeout + 1)
        except Exception as error:
            note = _explain(error)
            log.warning("status: MusicLibrary %s cannot be read: %s", self.library, note)
            return ClusterReport(
                library=self.library,
                reachable=False,
                note=f"The MusicLibrary's status cannot be read: {note}",
                phase=None,
                ready=None,
                queue_depth=None,
                analysis_workers=None,
                up_to_date=None,
                conditions=[],
                services={},
            )
        return cluster_report(self.library, body)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await asyncio.to_thread(client.close)

    def _read(self) -> dict[str, Any]:
        from kubernetes.client import CustomObjectsApi  # noqa: PLC0415 -- only in the cluster

        body = CustomObjectsApi(self._api()).get_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, self.name, _request_timeout=self.timeout
        )
        if not isinstance(body, dict):
            raise TypeError(f"the API answered with a {type(body).__name__}, not an object")
        return body

    def _api(self) -> ApiClient:
        if self._client is None:
            from kubernetes import client, config  # noqa: PLC0415 -- only in the cluster

            configuration = client.Configuration()
            if self._api_url:
                configuration.host = self._api_url.rstrip("/")
            else:
                try:
                    config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
                except config.ConfigException:
                    config.load_kube_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            self._client = client.ApiClient(configuration)
        return self._client


def _explain(error: BaseException) -> str:
    """A short reason a person can act on (the API's HTTP status first; never a token or a URL's password)."""
    status = getattr(error, "status", None)
    if status == 404:
        return "no such MusicLibrary (check TRACKTION_UI_LIBRARY)"
    if status == 403:
        return "forbidden: the UI's service account may not get it (the operator renders a Role for this)"
    if isinstance(error, TimeoutError):
        return "the Kubernetes API did not answer in time"
    if isinstance(status, int) and status:
        return f"the Kubernetes API answered {status} {getattr(error, 'reason', '')}".rstrip()
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")
