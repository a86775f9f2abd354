"""Importing essentia without its import-time cost, and with its console chatter silenced.

``import essentia.standard`` / ``essentia.streaming`` instantiate every one of essentia's ~250 algorithms once to
read their documentation. A few keep large buffers alive afterwards (``SpectrumToCent`` alone about 160 MB of heap,
``BeatTrackerMultiFeature`` 15 MB), so a plain import costs ~240 MB of RSS before any audio is touched -- most of
the 300 MB budget a worker analysing a two-hour set has. While the two modules are imported, the algorithm lists
they iterate are narrowed to leave those out (about 75 MB instead, measured); every other algorithm stays
available, and C++ composites that use the skipped ones internally (``RhythmExtractor2013``) still work.

essentia also logs to stderr at import and on odd input; its INFO and WARNING levels are turned off so the CLI's
output stays clean. Errors are still raised as exceptions, which the analysis translates.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

__all__ = ["EssentiaModules", "load"]

#: algorithms whose construction keeps megabytes of memory alive; tracktion does not use their Python classes.
_SKIPPED = frozenset(
    {"SpectrumToCent", "HumDetector", "RhythmDescriptors", "BeatTrackerMultiFeature", "TonalExtractor"}
)

_lock = threading.Lock()
_modules: EssentiaModules | None = None


class EssentiaModules:
    """The ``essentia`` package and its ``standard`` and ``streaming`` modules, imported once per process."""

    def __init__(self, essentia: ModuleType, standard: ModuleType, streaming: ModuleType) -> None:
        self.essentia = essentia
        self.standard = standard
        self.streaming = streaming

    def pool(self) -> Any:
        return self.essentia.Pool()

    def run(self, source: Any) -> None:
        self.essentia.run(source)


def load() -> EssentiaModules:
    """The essentia modules, imported lean the first time (thread-safe)."""
    global _modules  # noqa: PLW0603 - a process-wide import, like the module cache it wraps
    with _lock:
        if _modules is None:
            _modules = _import()
        return _modules


def _import() -> EssentiaModules:
    import essentia  # noqa: PLC0415 - imported on first use: the CLI and tests that never analyse skip its cost
    from essentia import _essentia  # noqa: PLC0415

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    keys, skeys = _essentia.keys, _essentia.skeys
    _essentia.keys = lambda: [name for name in keys() if name not in _SKIPPED]
    _essentia.skeys = lambda: [name for name in skeys() if name not in _SKIPPED]
    try:
        from essentia import standard, streaming  # noqa: PLC0415
    finally:
        _essentia.keys, _essentia.skeys = keys, skeys
    return EssentiaModules(essentia, standard, streaming)
