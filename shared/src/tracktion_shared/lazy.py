"""Names a package re-exports from a module that is imported only when one of them is first used.

A package such as :mod:`tracktion_shared.bus` offers every backend by name, but a process uses one: a command-line
start-up that imported aio-pika, redis and neo4j just because they are re-exported would pay for three drivers it
never touches (about a second on a slow disk). A package hands :func:`lazy_exports` the names that live in a driver's
module and assigns the result to its module-level ``__getattr__`` (PEP 562); type checkers see the same names through
an ``if TYPE_CHECKING:`` import, so nothing about the public surface changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` (a module path) on first access.

    The value is stored in the package's namespace, so later look-ups are plain attribute reads. Any other name
    raises ``AttributeError`` as usual.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
