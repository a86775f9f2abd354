"""``engine: keda``: a KEDA ScaledObject (RabbitMQ queue-length trigger) instead of the built-in autoscaler."""

from __future__ import annotations

from tracktion_operator.model import Library
from tracktion_operator.render.bundled import BUNDLED, secret_name
from tracktion_operator.render.children import analysis_deployment_name
from tracktion_operator.render.common import Manifest, child_name, metadata

KEDA_CRD = "scaledobjects.keda.sh"


def amqp_secret(lib: Library) -> tuple[str, str] | None:
    """(Secret name, key) holding the AMQP URL, or None when the library has no broker configured."""
    amqp = lib.spec.backing.amqp
    if amqp.bundled:
        return secret_name(lib, BUNDLED[0]), "url"
    if amqp.secret_ref is not None:
        return amqp.secret_ref.name, amqp.secret_ref.key
    return None


def render_keda(lib: Library) -> list[Manifest]:
    """TriggerAuthentication (the AMQP URL from its Secret) and the ScaledObject mirroring ``analysis.autoscaling``."""
    secret = amqp_secret(lib)
    if secret is None:
        return []
    scaling = lib.spec.analysis.autoscaling
    auth_name = child_name(lib, "analysis-amqp")
    trigger_auth: Manifest = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": metadata(lib, auth_name, "analysis"),
        "spec": {"secretTargetRef": [{"parameter": "host", "name": secret[0], "key": secret[1]}]},
    }
    scaled: Manifest = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": metadata(lib, analysis_deployment_name(lib), "analysis"),
        "spec": {
            "scaleTargetRef": {"name": analysis_deployment_name(lib)},
            "minReplicaCount": scaling.min_replicas,
            "maxReplicaCount": scaling.max_replicas,
            "pollingInterval": scaling.polling_interval,
            "cooldownPeriod": scaling.cooldown_period,
            "triggers": [
                {
                    "type": "rabbitmq",
                    "metadata": {
                        "protocol": "amqp",
                        "queueName": f"{lib.spec.bus_prefix}.analysis",
                        "mode": "QueueLength",
                        "value": str(scaling.messages_per_replica),
                        "activationValue": str(scaling.activation_messages),
                    },
                    "authenticationRef": {"name": auth_name},
                }
            ],
        },
    }
    return [trigger_auth, scaled]
