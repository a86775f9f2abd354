"""The package's public surface, the lean essentia import, and the result's JSON form."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tracktion_analysis
from tracktion_analysis.domain.mood import Mood
from tracktion_analysis.domain.result import AnalysisResult, Segment


def test_public_names() -> None:
    assert sorted(tracktion_analysis.__all__) == [
        "AnalysisOptions",
        "AnalysisResult",
        "AnalysisSettings",
        "AnalysisWorkerError",
        "AudioNotFound",
        "Mood",
        "MoodModelError",
        "Segment",
        "SilentAudio",
        "TooShortAudio",
        "UnanalysableAudio",
        "UnreadableAudio",
        "analyse_file",
    ]
    for name in tracktion_analysis.__all__:
        assert getattr(tracktion_analysis, name) is not None


def test_domain_imports_no_essentia_and_no_adapters() -> None:
    """The domain stays pure: its modules import numpy and each other, never essentia, adapters or jobs."""
    domain = Path(tracktion_analysis.__file__).parent / "domain"
    for module in domain.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("essentia"), module.name
                assert not name.startswith(("tracktion_analysis.adapters", "tracktion_analysis.jobs")), module.name


def test_essentia_is_imported_lean() -> None:
    """The plain import keeps ~160 MB alive (SpectrumToCent); tracktion's stays well under that."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest's, hundreds of MB)
    code = (
        "from tracktion_analysis.adapters import essentia_runtime\n"
        "ess = essentia_runtime.load()\n"
        "assert hasattr(ess.standard, 'TempoTapDegara') and hasattr(ess.streaming, 'MonoLoader')\n"
        "assert not hasattr(ess.streaming, 'SpectrumToCent')\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "print(int(status.split()[0]) // 1024)\n"
    )
    peak_mb = int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert peak_mb < 150


def test_result_round_trips_through_its_dict() -> None:
    result = AnalysisResult(
        duration_s=300.0,
        bpm=128.0,
        key="A",
        scale="minor",
        camelot="8A",
        open_key="1m",
        key_strength=0.8,
        tuning_cents=-3.0,
        mood=Mood("euphoric", "heuristic", 0.7, 1.4, 0.6, -9.0, 3.0, 2500.0),
        segments=(Segment(0.0, 300.0, 128.0, "A", "minor", "8A", "1m", 0.8),),
    )
    data = result.to_dict()
    assert data["segments"][0]["start_s"] == 0.0
    assert data["mood"]["label"] == "euphoric"
    assert AnalysisResult.from_dict(data) == result


def _confident_result() -> AnalysisResult:
    return AnalysisResult(
        duration_s=300.0,
        bpm=128.0,
        bpm_confidence=0.91,
        bpm_alternative=64.0,
        key="A",
        scale="minor",
        camelot="8A",
        open_key="1m",
        key_strength=0.8,
        key_confidence=0.75,
        tuning_cents=None,
        mood=Mood("euphoric", "heuristic", 0.7, 1.4, 0.6, -9.0, 3.0, 2500.0),
        segments=(Segment(0.0, 300.0, 128.0, "A", "minor", "8A", "1m", 0.8, bpm_confidence=0.88),),
    )


def test_result_carries_confidences_and_an_alternative_tempo() -> None:
    result = _confident_result()
    data = result.to_dict()
    assert (data["bpm_confidence"], data["bpm_alternative"], data["key_confidence"]) == (0.91, 64.0, 0.75)
    assert data["segments"][0]["bpm_confidence"] == 0.88
    # each sits next to the value it qualifies, not after the segment list
    keys = list(data)
    assert keys.index("bpm_confidence") == keys.index("bpm") + 1
    assert keys.index("key_confidence") == keys.index("key_strength") + 1
    assert AnalysisResult.from_dict(data) == result


def test_a_result_cached_before_the_confidences_reads_back_without_them() -> None:
    result = _confident_result()
    old = result.to_dict()
    for key in ("bpm_confidence", "bpm_alternative", "key_confidence"):
        del old[key]
    del old["segments"][0]["bpm_confidence"]
    read = AnalysisResult.from_dict(old)
    assert (read.bpm, read.key, read.key_strength) == (128.0, "A", 0.8)
    assert (read.bpm_confidence, read.bpm_alternative, read.key_confidence) == (None, None, None)
    assert read.segments[0].bpm_confidence is None
    assert read.segments[0].strength == 0.8
