"""kopf entry point: ``kopf run -m tracktion_operator.handlers``. Thin: parse the body, call the reconciler, report.

Every handler is idempotent and level-based (it renders the whole desired state and compares), so resuming after a
restart or SIGTERM (kopf finishes the running handlers, then exits) needs nothing special: the resume handler and
the timer simply reconcile again.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import kopf

from tracktion_operator import kube, reconciler
from tracktion_operator.model import GROUP, PLURAL, VERSION, Library
from tracktion_operator.reconcile import Action
from tracktion_shared import metrics

# Seconds between full reconciles (drift correction, children deleted by hand) and between autoscaler ticks; the
# autoscaler itself waits each library's pollingInterval. Environment knobs so tests can run fast.
RESYNC_SECONDS = float(os.environ.get("TRACKTION_OPERATOR_RESYNC_SECONDS", "30"))
TICK_SECONDS = float(os.environ.get("TRACKTION_OPERATOR_TICK_SECONDS", "5"))
# Seconds a tick already running when the operator stops may take to finish. Without it kopf abandons a timer
# mid-request after a few loop cycles, and the abandoned tick dies with the loop, its API session still open.
EXIT_GRACE_SECONDS = 10.0


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    """Progress in annotations (the status belongs to users' tools), Events from INFO up, no peering CRD needed."""
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=GROUP)
    settings.peering.standalone = True
    settings.posting.level = 20
    settings.background.instant_exit_timeout = EXIT_GRACE_SECONDS
    port = os.environ.get("TRACKTION_METRICS_PORT")
    if port:  # the autoscaler's queue depth and worker count per library, for the Grafana dashboard
        metrics.serve(int(port))


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """``$TRACKTION_OPERATOR_API_URL`` (``kubectl proxy``, test emulators), else kopf's usual in-cluster/kubeconfig."""
    url = os.environ.get(kube.API_URL_ENV)
    if url:
        return kopf.ConnectionInfo(server=url)
    return kopf.login_via_client(**kwargs)


async def _reconcile(body: kopf.Body, patch: kopf.Patch, logger: kopf.Logger) -> None:
    lib = Library.from_body(body)
    async with kube.KubeApi(kube.connection_from_environment()) as api:
        outcome = await reconciler.reconcile(api, lib)
    generation = body.metadata.get("generation")
    patch.status.update(reconciler.status_patch(outcome, generation, dict(body.status)))
    for action, label in outcome.applied:
        verb = "Created" if action is Action.CREATE else "Patched"
        kopf.info(body, reason=verb, message=f"{verb.lower()} {label}")
    for label in outcome.deleted:
        kopf.info(body, reason="Deleted", message=f"deleted {label}: no longer in the spec")
    for error in outcome.errors:
        kopf.warn(body, reason="ApplyFailed", message=error)
    logger.info("reconciled: phase=%s applied=%d errors=%d", outcome.phase, len(outcome.applied), len(outcome.errors))


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
async def reconcile(body: kopf.Body, patch: kopf.Patch, logger: kopf.Logger, **_: Any) -> None:
    await _reconcile(body, patch, logger)


@kopf.timer(GROUP, VERSION, PLURAL, interval=TICK_SECONDS, initial_delay=TICK_SECONDS)
async def tick(body: kopf.Body, patch: kopf.Patch, logger: kopf.Logger, memo: kopf.Memo, **_: Any) -> None:
    """Resync every RESYNC_SECONDS (recreate deleted children, undo drift); autoscale every pollingInterval."""
    now = datetime.now(UTC).timestamp()
    if now - memo.get("last_resync", 0.0) >= RESYNC_SECONDS:
        memo["last_resync"] = now
        await _reconcile(body, patch, logger)
    lib = Library.from_body(body)
    if now - memo.get("last_poll", 0.0) < lib.spec.analysis.autoscaling.polling_interval:
        return
    memo["last_poll"] = now
    async with kube.KubeApi(kube.connection_from_environment()) as api:
        result = await reconciler.autoscale_once(api, lib, dict(body.status))
    if result is None:
        return
    patch.status["analysisReplicas"] = result.replicas
    metrics.ANALYSIS_WORKERS.labels(lib.namespace, lib.name).set(result.replicas)
    if result.depth is not None:
        patch.status["queueDepth"] = result.depth
        metrics.QUEUE_DEPTH.labels(lib.namespace, lib.name).set(result.depth)
    if result.changed:
        patch.status["lastScaleTime"] = datetime.now(UTC).isoformat()
        kopf.info(body, reason="Scaled", message=f"analysis -> {result.replicas} replicas: {result.reason}")
    elif result.depth is None:
        kopf.warn(body, reason="QueueDepthUnknown", message=result.reason)
