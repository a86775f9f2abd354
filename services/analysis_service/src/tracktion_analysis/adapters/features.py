"""One streaming pass over an audio file, keeping only compact frame-level features.

The file is decoded by essentia's bundled FFmpeg (mp3, flac, ogg, m4a, wav, ...), mixed to mono and resampled to
44.1 kHz inside a streaming network: audio flows through in small buffers and only per-frame features reach the
pool, so memory grows with the number of frames (a few MB per hour), never with the number of samples. A two-hour
set is never decoded into one array. Every later step (beats per window, key per window, mood) works on these
features.

What is kept, per frame:

* ``odf``: an onset detection function at 44100/1024 Hz, the rate essentia's ``BeatTrackerDegara`` uses, so
  ``TempoTapDegara`` can track beats on any slice of it later;
* ``rms``: frame RMS, and ``bands``: energy in seven bands (kick to air), at the same rate;
* ``hpcp``: a 36-bin harmonic pitch class profile (bin 0 = A, 3 bins per semitone, so tuning can be estimated)
  at 44100/4096 Hz;
* ``centroid``: spectral centroid in Hz at the HPCP rate (brightness);
* ``std10ms``: the standard deviation of 10 ms blocks, the series essentia's Danceability runs its DFA on;

and, once for the whole recording, ``reference_key``: essentia's ``KeyExtractor`` with the "bgate" profile (its
own harmonic HPCP; a few hundredths of a CPU second per audio minute), the second vote on the key (see
:func:`tracktion_analysis.domain.keys.fuse_with_reference`).

(EBU R128 loudness is not computed: essentia's LoudnessEBUR128 alone costs more CPU than everything above; frame
RMS in dBFS serves the mood heuristic instead.)
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tracktion_analysis.adapters import essentia_runtime

__all__ = ["SAMPLE_RATE", "FrameFeatures", "extract"]

SAMPLE_RATE = 44100.0
ODF_FRAME, ODF_HOP = 2048, 1024
KEY_FRAME, KEY_HOP = 4096, 4096
DFA_BLOCK = 441  # 10 ms at 44.1 kHz
#: libsamplerate's "sinc fastest" converter (essentia's default, "sinc medium", is 1). Upsampling a 16 kHz or
#: 22.05 kHz file to 44.1 kHz cost more CPU than the whole analysis (0.49 CPU-s per audio minute against 0.24 here,
#: on the real-music development set's 16 kHz clips); its 80 % pass band still reaches far above the 11 kHz that any
#: feature below uses the detail of, and a 44.1 kHz file is not resampled at all.
RESAMPLE_QUALITY = 2
#: edges (Hz) of the energy bands kept per ODF frame: kick, bass, low-mid, snare, presence, hats, air
BAND_EDGES = (20.0, 150.0, 400.0, 1000.0, 3000.0, 6000.0, 11000.0, 22050.0)

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FrameFeatures:
    """Frame-level features of one recording (see the module docstring); rates are frames per second."""

    duration_s: float
    odf: Floats
    rms: Floats
    hpcp: Floats
    centroid: Floats
    std10ms: Floats
    bands: Floats
    reference_key: tuple[str, str, float] | None = None

    odf_rate: float = SAMPLE_RATE / ODF_HOP
    key_rate: float = SAMPLE_RATE / KEY_HOP
    std_rate: float = SAMPLE_RATE / DFA_BLOCK


def _onset_branch(st: Any, loader: Any, pool: Any) -> list[Any]:
    """Onset detection function (mel-band flux: as accurate as the complex-domain ODF BeatTrackerDegara uses on
    tracktion's corpus, at a third of the cost, since it needs no phase), frame RMS and band energies."""
    cutter = st.FrameCutter(frameSize=ODF_FRAME, hopSize=ODF_HOP, silentFrames="noise", startFromZero=True)
    window = st.Windowing(type="hann", size=ODF_FRAME)
    spectrum = st.Spectrum(size=ODF_FRAME)
    onset = st.OnsetDetection(method="melflux", sampleRate=SAMPLE_RATE)
    rms = st.RMS()
    bands = st.FrequencyBands(frequencyBands=list(BAND_EDGES), sampleRate=SAMPLE_RATE)
    loader.audio >> cutter.signal
    cutter.frame >> window.frame
    cutter.frame >> rms.array
    window.frame >> spectrum.frame
    spectrum.spectrum >> onset.spectrum
    spectrum.spectrum >> onset.phase  # unused by melflux, but the input must be connected
    spectrum.spectrum >> bands.spectrum
    onset.onsetDetection >> (pool, "odf")
    rms.rms >> (pool, "rms")
    bands.bands >> (pool, "bands")
    return [cutter, window, spectrum, onset, rms, bands]


def _key_branch(st: Any, loader: Any, pool: Any) -> list[Any]:
    """Pitch class profiles, as inside KeyExtractor (4096/4096 frames, spectral peaks, whitening) but with 36 bins (so
    the tuning can be estimated), from 70 Hz (a kick drum's pitched tail is no note of the key) and without HPCP's
    sub-harmonic spreading (it credits every note's fifth below, pulling estimates towards the subdominant):
    measured on the benchmark corpus, both make fewer key errors. Also the spectral centroid (brightness)."""
    cutter = st.FrameCutter(frameSize=KEY_FRAME, hopSize=KEY_HOP, silentFrames="noise", startFromZero=True)
    window = st.Windowing(type="blackmanharris62", size=KEY_FRAME)
    spectrum = st.Spectrum(size=KEY_FRAME)
    peaks = st.SpectralPeaks(
        orderBy="magnitude",
        magnitudeThreshold=1e-5,
        minFrequency=25.0,
        maxFrequency=3500.0,
        maxPeaks=60,
        sampleRate=SAMPLE_RATE,
    )
    whitening = st.SpectralWhitening(maxFrequency=3500.0, sampleRate=SAMPLE_RATE)
    hpcp = st.HPCP(
        size=36,
        referenceFrequency=440.0,
        harmonics=0,
        bandPreset=False,
        minFrequency=70.0,
        maxFrequency=3500.0,
        weightType="cosine",
        nonLinear=False,
        windowSize=1.0,
        normalized="none",
        sampleRate=SAMPLE_RATE,
    )
    centroid = st.Centroid(range=SAMPLE_RATE / 2)
    loader.audio >> cutter.signal
    cutter.frame >> window.frame
    window.frame >> spectrum.frame
    spectrum.spectrum >> peaks.spectrum
    spectrum.spectrum >> whitening.spectrum
    spectrum.spectrum >> centroid.array
    peaks.frequencies >> whitening.frequencies
    peaks.magnitudes >> whitening.magnitudes
    peaks.frequencies >> hpcp.frequencies
    whitening.magnitudes >> hpcp.magnitudes
    hpcp.hpcp >> (pool, "hpcp")
    centroid.centroid >> (pool, "centroid")
    return [cutter, window, spectrum, peaks, whitening, hpcp, centroid]


def _block_branch(st: Any, loader: Any, pool: Any) -> list[Any]:
    """10 ms block variances for the danceability DFA."""
    cutter = st.FrameCutter(frameSize=DFA_BLOCK, hopSize=DFA_BLOCK, startFromZero=True, silentFrames="keep")
    variance = st.Variance()
    loader.audio >> cutter.signal
    cutter.frame >> variance.array
    variance.variance >> (pool, "var10ms")
    return [cutter, variance]


def _reference_key_branch(st: Any, loader: Any, pool: Any) -> list[Any]:
    """essentia's own key extractor, profile "bgate": the reference vote on the whole recording's key."""
    extractor = st.KeyExtractor(profileType="bgate", sampleRate=SAMPLE_RATE)
    loader.audio >> extractor.audio
    extractor.key >> (pool, "reference.key")
    extractor.scale >> (pool, "reference.scale")
    extractor.strength >> (pool, "reference.strength")
    return [extractor]


def extract(path: Path) -> FrameFeatures:
    """Decode ``path`` once and return its frame features. essentia's errors propagate as ``RuntimeError``."""
    ess = essentia_runtime.load()
    st = ess.streaming
    pool = ess.pool()
    loader = st.MonoLoader(filename=str(path), sampleRate=SAMPLE_RATE, resampleQuality=RESAMPLE_QUALITY)
    network = [
        *_onset_branch(st, loader, pool),
        *_key_branch(st, loader, pool),
        *_block_branch(st, loader, pool),
        *_reference_key_branch(st, loader, pool),
    ]
    try:
        ess.run(loader)
    finally:
        # essentia's Python wrappers form reference cycles (algorithm <-> connectors) that keep the C++ buffers of
        # the whole network alive until the cycle collector runs; collect now rather than after several files.
        network.clear()
        del loader
        gc.collect()

    def get(name: str, width: int = 0) -> Floats:
        if name not in pool.descriptorNames():
            return np.zeros((0, width) if width else 0, dtype=np.float32)
        return np.asarray(pool[name], dtype=np.float32)

    odf = get("odf")
    var = get("var10ms")
    names = pool.descriptorNames()
    reference = None
    if {"reference.key", "reference.scale", "reference.strength"} <= set(names):
        reference = (str(pool["reference.key"]), str(pool["reference.scale"]), float(pool["reference.strength"]))
    return FrameFeatures(
        duration_s=float(len(var) * DFA_BLOCK / SAMPLE_RATE) if len(var) else len(odf) * ODF_HOP / SAMPLE_RATE,
        odf=odf,
        rms=get("rms"),
        hpcp=get("hpcp", 36),
        centroid=get("centroid"),
        std10ms=np.sqrt(np.maximum(var, 0.0)).astype(np.float32),
        bands=get("bands", len(BAND_EDGES) - 1),
        reference_key=reference,
    )
