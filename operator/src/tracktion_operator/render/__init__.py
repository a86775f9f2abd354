"""Pure rendering: a :class:`~tracktion_operator.model.Library` in, the child manifests (plain dicts) out.

No I/O here, so every manifest can be checked offline (``kubernetes-validate``) and the reconcile loop stays a thin
"render, then apply" step.
"""

from tracktion_operator.render.children import (
    MIGRATION_COMPONENT,
    SERVICES,
    analysis_deployment_name,
    deployed_services,
    migration_job_name,
)
from tracktion_operator.render.common import LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY, owner_reference
from tracktion_operator.render.library import optional_children, render_all

__all__ = [
    "LABEL_COMPONENT",
    "LABEL_INSTANCE",
    "LABEL_MANAGED_BY",
    "MIGRATION_COMPONENT",
    "SERVICES",
    "analysis_deployment_name",
    "deployed_services",
    "migration_job_name",
    "optional_children",
    "owner_reference",
    "render_all",
]
