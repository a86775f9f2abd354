"""Pure rendering: a :class:`~tracktion_operator.model.Library` in, the child manifests (plain dicts) out.

No I/O here, so every manifest can be checked offline (``kubernetes-validate``) and the reconcile loop stays a thin
"render, then apply" step.
"""

from tracktion_operator.render.children import (
    MIGRATION_COMPONENT,
    SERVICES,
    analysis_deployment_name,
    migration_job_name,
    render_all,
)
from tracktion_operator.render.common import LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY, owner_reference

__all__ = [
    "LABEL_COMPONENT",
    "LABEL_INSTANCE",
    "LABEL_MANAGED_BY",
    "MIGRATION_COMPONENT",
    "SERVICES",
    "analysis_deployment_name",
    "migration_job_name",
    "owner_reference",
    "render_all",
]
