"""Finds the installed services through the ``tracktion.services`` entry-point group.

Each service package registers ``NAME = "package.service:main"``; the CLI only looks them up by name, so it never
imports a service it does not run and a slim install (one service per image) simply lists fewer.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from tracktion_shared.runtime import ServiceMain

__all__ = ["installed_services", "load_service"]

GROUP = "tracktion.services"


def installed_services() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def load_service(name: str) -> ServiceMain:
    """The service's ``main``; ``LookupError`` names the installed ones when ``name`` is not among them."""
    for ep in entry_points(group=GROUP, name=name):
        main: ServiceMain = ep.load()
        return main
    raise LookupError(f"unknown service {name!r}; installed: {', '.join(installed_services()) or 'none'}")
