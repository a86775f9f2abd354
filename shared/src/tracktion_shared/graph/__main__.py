"""``python -m tracktion_shared.graph``: the graph writer as a process of its own (its cluster Deployment's command).

The same service as ``tracktion service graph``; this entry point exists so the graph Deployment can run from an
image without the CLI (the catalog image carries tracktion_shared), like every other service's ``python -m``.
"""

from __future__ import annotations

from tracktion_shared.graph.consumer import main
from tracktion_shared.runtime import run_service

if __name__ == "__main__":
    run_service("graph", main)
