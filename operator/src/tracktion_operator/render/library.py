"""Everything one MusicLibrary owns, in apply order: the pipeline, then the optional web UI.

Also which optional children exist for a library at all (:func:`optional_children`), so the reconciler can delete the
ones a changed spec no longer wants (the UI switched off, the graph writer without Neo4j).
"""

from __future__ import annotations

from tracktion_operator.model import Library
from tracktion_operator.render import ui
from tracktion_operator.render.children import render_pipeline
from tracktion_operator.render.common import Manifest, child_name

__all__ = ["ChildId", "optional_children", "render_all"]

#: (apiVersion, kind, name): enough to find a child and delete it
ChildId = tuple[str, str, str]


def render_all(
    lib: Library,
    *,
    passwords: dict[str, str] | None = None,
    current_analysis: int | None = None,
    ui_token: str | None = None,
) -> list[Manifest]:
    """Every child of ``lib``; see :func:`~tracktion_operator.render.children.render_pipeline` and
    :func:`~tracktion_operator.render.ui.render_ui` for the arguments."""
    return [
        *render_pipeline(lib, passwords=passwords, current_analysis=current_analysis),
        *ui.render_ui(lib, ui_token),
    ]


def optional_children(lib: Library) -> list[ChildId]:
    """Children that some spec renders and another does not; Secrets are left out (a token outlives a UI restart)."""
    return [
        ("apps/v1", "Deployment", child_name(lib, "graph")),
        ("v1", "Service", child_name(lib, "graph-metrics")),
        ("v1", "ServiceAccount", ui.ui_name(lib)),
        ("rbac.authorization.k8s.io/v1", "Role", ui.ui_name(lib)),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", ui.ui_name(lib)),
        ("apps/v1", "Deployment", ui.ui_name(lib)),
        ("v1", "Service", ui.ui_name(lib)),
        ("networking.k8s.io/v1", "Ingress", ui.ui_name(lib)),
    ]
