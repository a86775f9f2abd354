"""Model-based mood: an essentia TensorFlow model named by ``TRACKTION_MOOD_MODEL``, when essentia-tensorflow is there.

The plain ``essentia`` wheel has no TensorFlow algorithms; ``essentia-tensorflow`` (the ``tensorflow`` extra) does.
No model ships with either, so the path is the user's choice, e.g. one of essentia's MusiCNN mood classifiers
(``mood_happy-musicnn-msd-2.pb``: two classes, the first being the mood in its name). Every way this can be
misconfigured -- the variable names a missing file, a file that is not a TensorFlow graph, or essentia-tensorflow
is not installed -- raises :class:`~tracktion_analysis.errors.MoodModelError` with a one-line fix, checked once
at start-up (:func:`check_mood_model`) so a service never starts half-working.

Only an excerpt (at most 60 s from the middle, at 16 kHz) is decoded for the model, so memory stays bounded for
long recordings as in the rest of the analysis.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from tracktion_analysis.adapters import essentia_runtime
from tracktion_analysis.domain.mood import Mood
from tracktion_analysis.errors import MoodModelError

__all__ = ["check_mood_model", "model_mood", "tensorflow_available"]

_MODEL_ALGORITHM = "TensorflowPredictMusiCNN"
_EXCERPT_S = 60.0


def tensorflow_available() -> bool:
    """Whether the installed essentia has its TensorFlow algorithms (the essentia-tensorflow wheel)."""
    return hasattr(essentia_runtime.load().standard, _MODEL_ALGORITHM)


def check_mood_model(path: Path) -> Path:
    """Validate ``TRACKTION_MOOD_MODEL`` without running it; returns the absolute path or raises MoodModelError."""
    model = path.expanduser()
    if not model.exists():
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={path}: no such file")
    if not model.is_file():
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={path}: not a file")
    if model.suffix != ".pb":
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={path}: expected an essentia TensorFlow graph (.pb)")
    try:
        with model.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={path}: cannot read it ({exc.strerror})") from exc
    if not head:
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={path}: the file is empty")
    if not tensorflow_available():
        raise MoodModelError(
            f"TRACKTION_MOOD_MODEL={path} needs essentia-tensorflow, which is not installed "
            "(install tracktion-analysis-service[tensorflow], or unset the variable for the heuristic mood)"
        )
    return model.resolve()


def _mood_name(model: Path) -> str:
    """``mood_happy-musicnn-msd-2.pb`` -> ``happy``; otherwise the file's stem."""
    stem = model.stem.split("-")[0]
    return stem.removeprefix("mood_") or model.stem


def model_mood(audio: Path, model: Path, heuristic: Mood, duration_s: float) -> Mood:
    """The heuristic mood with its label (and method) replaced by the model's verdict on an excerpt."""
    checked = check_mood_model(model)
    st = essentia_runtime.load().standard
    start = max(0.0, duration_s / 2 - _EXCERPT_S / 2)
    try:
        excerpt = st.EasyLoader(
            filename=str(audio), sampleRate=16000, startTime=start, endTime=min(duration_s, start + _EXCERPT_S)
        )()
        predictor = getattr(st, _MODEL_ALGORITHM)(graphFilename=str(checked))
    except RuntimeError as exc:
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={model}: cannot load the model: {exc}") from exc
    try:
        activations = np.asarray(predictor(excerpt), dtype=np.float64)
    except RuntimeError as exc:
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={model}: the model failed on this input: {exc}") from exc
    if activations.ndim != 2 or activations.shape[0] == 0:
        raise MoodModelError(f"TRACKTION_MOOD_MODEL={model}: unexpected output shape {activations.shape}")
    probability = float(activations.mean(axis=0)[0])
    name = _mood_name(checked)
    label = name if probability >= 0.5 else f"not {name}"
    return replace(heuristic, label=label, method=f"model:{checked.name}")
