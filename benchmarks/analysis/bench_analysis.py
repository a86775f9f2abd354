"""Accuracy, speed, memory and throughput of tracktion's analysis against plain essentia, on real and generated music.

    uv run python benchmarks/analysis/bench_analysis.py            # everything, several minutes on 2 cores
    uv run python benchmarks/analysis/bench_analysis.py --quick    # a smoke run (about a minute or two)
    uv run python benchmarks/analysis/bench_analysis.py --skip-generated --skip-long   # real music only

Two corpora, both analysed by every system (``systems.py``) in the same run and scored by the same rules
(``scoring.py``: BPM Acc1 / Acc2, key exact and MIREX-weighted, CPU seconds per audio minute, decoding included):

* **real music**: the 60-clip development set in ``../shared/audio/real-dev/`` (GTZAN clips with human beat and key
  annotations, drummers recorded to a click, demo songs and game music rendered at their project tempo; see its
  README). It is not part of the repository; without it (or ``--real-dev DIR``) that part is skipped and says why.
  Results are broken down by the truth's ``genre`` and ``category``, and every file a system gets wrong is listed.
  This is the corpus the accuracy targets are about, because nobody here wrote it.
* **generated**: rendered here (``tracktion_analysis.synth``): every one of the 24 keys in each of five styles
  (four-on-the-floor, breakbeat, drum & bass, swung hip-hop, downtempo) at a random tempo from the style's range,
  with white noise 10-35 dB below the music, half of the tracks detuned (up to +-40 cents, as records mastered at
  A=432 Hz or pitched on a turntable are), and written as wav, flac, mp3, ogg and m4a in turn (the last three need
  ``ffmpeg``; without it everything is wav/flac). Ground truth is what the generator was told to play.

Besides accuracy: tracktion's peak RSS (VmHWM, in a fresh process) analysing a generated two-hour set, and the
steady-state throughput of the service's worker pool with 1 and 2 processes (on the generated clips).

Targets. Real music: tracktion's Acc1 >= 0.88, Acc2 >= 0.97, key exact >= 0.85, MIREX >= 0.88, each at least 0.05
above the better of the two essentia configurations in the same run; <= 0.4 CPU-s per audio minute. Generated:
Acc1 >= 0.97 and key exact >= 0.93, both above the better essentia configuration. Long set: <= 300 MB.

Caveat for the generated part, stated in the output too: it is synthetic and was written by the same people as the
analyser. It measures what it controls (tempo octaves, detuning, noise, formats, long files) and nothing about real
mixes; the real-music part is there for that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile
import systems as system_registry
from scoring import (
    Reading,
    Summary,
    TempoMiss,
    Truth,
    by_group,
    key_misses,
    normalise_key,
    parse_truth_key,
    summarise,
    tempo_acc1,
    tempo_acc2,
    tempo_misses,
)

from tracktion_analysis.adapters.workers import ProcessPoolAnalyser
from tracktion_analysis.analysis import AnalysisOptions
from tracktion_analysis.domain import keys
from tracktion_analysis.synth import STYLE_TEMPO_RANGES, STYLES, Section, encode, render, write_sections

#: the development set's default place: ``shared/audio/real-dev`` next to the repository's checkout.
REAL_DEV = Path(__file__).resolve().parents[2].parent / "shared" / "audio" / "real-dev"

TARGETS = {"acc1": 0.97, "key_exact": 0.93, "cpu_per_min": 0.4, "peak_rss_mb": 300.0}
#: tracktion on real music: (metric, label, minimum); each must also beat the better essentia row by REAL_MARGIN.
REAL_TARGETS = (
    ("acc1", "Acc1", 0.88),
    ("acc2", "Acc2", 0.97),
    ("key_exact", "key exact", 0.85),
    ("key_mirex", "MIREX", 0.88),
)
REAL_MARGIN = 0.05


@dataclass(frozen=True)
class Item:
    path: str
    seconds: float
    bpm: float
    tonic: str
    scale: str
    style: str
    noise_db: float
    tuning_cents: float

    def truth(self) -> Truth:
        scale: keys.Scale = "major" if self.scale == "major" else "minor"
        return Truth(
            Path(self.path).name, self.path, self.seconds, self.bpm, (), (self.tonic, scale), {"style": self.style}
        )


@dataclass(frozen=True)
class Corpus:
    """Files, their truths and every system's readings of them."""

    name: str
    where: str
    truths: list[Truth]
    readings: dict[str, list[Reading]]
    note: str = ""

    @property
    def minutes(self) -> float:
        return sum(t.seconds for t in self.truths) / 60

    def summaries(self) -> dict[str, Summary]:
        return {name: summarise(self.truths, rows) for name, rows in self.readings.items()}


# -- corpus --------------------------------------------------------------------------------------------------------


def build_corpus(folder: Path, *, quick: bool, seed: int) -> list[Item]:
    rng = np.random.default_rng(seed)
    formats = [".wav", ".flac", ".mp3", ".ogg", ".m4a"] if shutil.which("ffmpeg") else [".wav", ".flac"]
    seconds = 20.0 if quick else 30.0
    items: list[Item] = []
    for k in range(24):
        tonic, scale = keys.NOTE_NAMES[k % 12], ("major" if k < 12 else "minor")
        styles = [STYLES[k % len(STYLES)]] if quick else list(STYLES)
        for style in styles:
            low, high = STYLE_TEMPO_RANGES[style]
            bpm = round(float(rng.uniform(low, high)), 1)
            noise = float(rng.uniform(10, 35))
            roll = rng.uniform()
            tuning = 0.0 if roll < 0.5 else float(rng.uniform(-20, 20)) if roll < 0.75 else float(rng.uniform(25, 40))
            if roll >= 0.75 and rng.uniform() < 0.5:
                tuning = -tuning
            n = len(items)
            signal = render(
                Section(seconds, bpm, tonic, scale, style),  # type: ignore[arg-type]
                seed=seed * 10_000 + n,
                noise_db=noise,
                tuning_cents=tuning,
            )
            suffix = formats[n % len(formats)]
            wav = folder / f"{n:03d}.wav"
            soundfile.write(wav, signal, 44100)
            path = wav
            if suffix == ".flac":
                path = folder / f"{n:03d}.flac"
                soundfile.write(path, signal, 44100)
                wav.unlink()
            elif suffix != ".wav":
                path = encode(wav, folder / f"{n:03d}{suffix}")
                wav.unlink()
            items.append(Item(str(path), seconds, bpm, tonic, scale, style, round(noise, 1), round(tuning, 1)))
    return items


# -- memory on a long set ------------------------------------------------------------------------------------------

_MEASURE = """
import json, sys, time
from tracktion_analysis import analyse_file
from tracktion_analysis.adapters import essentia_runtime
essentia_runtime.load()  # once per worker process, not per file
cpu, wall = time.process_time(), time.time()
result = analyse_file(sys.argv[1])
cpu, wall = time.process_time() - cpu, time.time() - wall
hwm = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) // 1024
print(json.dumps({"peak_rss_mb": hwm, "cpu_s": cpu, "wall_s": wall, "duration_s": result.duration_s,
                  "segments": len(result.segments), "bpm": result.bpm, "key": result.key, "scale": result.scale}))
"""


def long_set(folder: Path, minutes: float, seed: int) -> tuple[Path, list[Section]]:
    rng = np.random.default_rng(seed)
    sections = []
    for i in range(max(1, round(minutes / 5))):
        style = STYLES[i % len(STYLES)]
        low, high = STYLE_TEMPO_RANGES[style]
        tonic = keys.NOTE_NAMES[i * 7 % 12]
        bpm = round(float(rng.uniform(low, high)), 1)
        sections.append(Section(300.0, bpm, tonic, ("major", "minor")[i % 2], style))
    wav = write_sections(folder / "set.wav", sections, seed=seed, noise_db=30)
    if shutil.which("ffmpeg"):
        path = encode(wav, folder / "set.mp3", bitrate="128k")
        wav.unlink()
        return path, sections
    flac = folder / "set.flac"
    with soundfile.SoundFile(str(wav)) as source, soundfile.SoundFile(str(flac), "w", 44100, 1) as target:
        for block in source.blocks(blocksize=44100 * 60):
            target.write(block)
    wav.unlink()
    return flac, sections


def measure_long(path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout))


# -- throughput ----------------------------------------------------------------------------------------------------


async def _throughput(paths: list[str], workers: int) -> float:
    analyser = ProcessPoolAnalyser(AnalysisOptions(), workers=workers)
    try:
        await asyncio.gather(*(analyser.analyse(p) for p in paths[: 2 * workers]))  # start and warm up every worker
        start = time.perf_counter()
        await asyncio.gather(*(analyser.analyse(p) for p in paths))
        return len(paths) / (time.perf_counter() - start) * 60
    finally:
        await analyser.close()


def _burn(n: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - start


def machine_parallelism() -> float:
    """How much faster two CPU-bound processes finish two jobs than one process does (2.0 on two free cores)."""
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    n = 5_000_000
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_burn, [1000, 1000]))  # start both
        start = time.perf_counter()
        list(pool.map(_burn, [n, n]))
        parallel = time.perf_counter() - start
    serial = 2 * _burn(n)
    return serial / parallel


# -- real music ----------------------------------------------------------------------------------------------------


def load_real(folder: Path, *, quick: bool) -> tuple[list[Truth], str]:
    """The development set's truths (every 4th file with ``--quick``), and why it was skipped when it cannot be read.

    An entry whose file is missing is left out with a warning rather than failing the run: the set is shared and
    may be being updated while someone benchmarks.
    """
    manifest = folder / "truth.json"
    if not folder.is_dir():
        return [], f"no folder {folder} (pass --real-dev DIR to point at the development set)"
    if not manifest.is_file():
        return [], f"{folder} has no truth.json"
    entries: list[dict[str, object]] = json.loads(manifest.read_text())
    if quick:
        entries = entries[::4]
    truths = []
    for entry in entries:
        name = str(entry["file"])
        path = folder / name
        if not path.is_file():
            print(f"warning: {name} is listed in truth.json but missing; left out", file=sys.stderr)
            continue
        bpm, alt, key, duration = (entry.get(f) for f in ("bpm", "bpm_alt", "key", "duration_s"))
        seconds = float(duration) if isinstance(duration, int | float) else float(soundfile.info(str(path)).duration)
        truths.append(
            Truth(
                file=name,
                path=str(path),
                seconds=seconds,
                bpm=float(bpm) if isinstance(bpm, int | float) else None,
                bpm_alt=tuple(float(b) for b in alt) if isinstance(alt, list) else (),
                key=parse_truth_key(key if isinstance(key, str) else None),
                groups={label: str(entry[label]) for label in ("genre", "category") if entry.get(label)},
            )
        )
    if not truths:
        return [], f"none of the files listed in {manifest} is there"
    return truths, ""


# -- report --------------------------------------------------------------------------------------------------------


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _short(name: str) -> str:
    return name.removeprefix("essentia ")


def _essentia_best(summaries: dict[str, Summary], essentia: Sequence[str], metric: str) -> float | None:
    values = [getattr(summaries[n], metric) for n in essentia if n in summaries]
    present = [v for v in values if v is not None]
    return max(present) if present else None


def corpus_line(corpus: Corpus) -> str:
    tempo = sum(t.bpm is not None for t in corpus.truths)
    key = sum(t.key is not None for t in corpus.truths)
    return (
        f"{corpus.name}: {len(corpus.truths)} files, {corpus.minutes:.1f} audio minutes, {tempo} with tempo truth,"
        f" {key} with key truth ({corpus.where}){corpus.note}"
    )


def system_table(summaries: dict[str, Summary], notes: Sequence[str]) -> list[str]:
    width = max(len(n) for n in summaries) + 2
    lines = [
        f"{'system':<{width}}{'Acc1':>7}{'Acc2':>7}{'no BPM':>8}{'key exact':>11}{'MIREX':>7}{'no key':>8}"
        f"{'CPU-s/min':>11}"
    ]
    for name, s in summaries.items():
        lines.append(
            f"{name:<{width}}{_f(s.acc1):>7}{_f(s.acc2):>7}{s.no_tempo:>8}{_f(s.key_exact):>11}{_f(s.key_mirex):>7}"
            f"{s.no_key:>8}{s.cpu_per_min:>11.3f}"
        )
    lines += [f"  ({note})" for note in notes]
    for name, s in summaries.items():
        if s.acc1_either is not None and s.acc1_either != s.acc1:
            lines.append(f"  {name}: Acc1 {_f(s.acc1_either)} if its bpm_alternative also counted (not scored)")
        if s.errors:
            lines.append(f"  {name}: {s.errors} file(s) raised an error (listed below; scored as no estimate)")
    return lines


def real_targets(summaries: dict[str, Summary], essentia: Sequence[str]) -> list[str]:
    t = summaries["tracktion"]
    lines = [f"targets, tracktion on real music (each also >= {REAL_MARGIN} above the better essentia row):"]
    for metric, label, minimum in REAL_TARGETS:
        value, best = getattr(t, metric), _essentia_best(summaries, essentia, metric)
        if value is None:
            lines.append(f"  {label:<10} no file has that truth: n/a")
            continue
        above = best is None or value - best >= REAL_MARGIN - 1e-9
        lines.append(
            f"  {label:<10} {value:.3f} >= {minimum:.2f}: {_mark(value >= minimum)};"
            f" essentia best {_f(best)} + {REAL_MARGIN} = {_f(None if best is None else best + REAL_MARGIN)}:"
            f" {_mark(above)}  => {_mark(value >= minimum and above)}"
        )
    lines.append(f"  {'CPU':<10} {t.cpu_per_min:.3f} CPU-s/audio-min <= 0.4: {_mark(t.cpu_per_min <= 0.4)}")
    return lines


def generated_targets(summaries: dict[str, Summary], essentia: Sequence[str]) -> list[str]:
    t = summaries["tracktion"]
    lines = ["targets, tracktion on the generated corpus (above the better essentia row):"]
    for metric, label in (("acc1", "Acc1"), ("key_exact", "key exact")):
        value, best = getattr(t, metric), _essentia_best(summaries, essentia, metric)
        ok = value is not None and value >= TARGETS[metric] and (best is None or value > best)
        lines.append(f"  {label:<10} {_f(value)} >= {TARGETS[metric]:.2f} and > {_f(best)}: {_mark(ok)}")
    lines.append(f"  {'CPU':<10} {t.cpu_per_min:.3f} CPU-s/audio-min <= 0.4: {_mark(t.cpu_per_min <= 0.4)}")
    return lines


def group_table(corpus: Corpus, label: str) -> list[str]:
    groups = {name: by_group(corpus.truths, rows, label) for name, rows in corpus.readings.items()}
    values = sorted({t.groups[label] for t in corpus.truths if label in t.groups})
    if not values:
        return []
    first = next(iter(groups.values()))
    width = max(len(v) for v in values) + 4
    cell = max(13, *(len(_short(n)) + 2 for n in groups))
    lines = [
        f"by {label}: Acc1/key exact"
        + " " * max(1, width - len(label) - 20)
        + f"{'n bpm/key':>10}"
        + "".join(f"{_short(n):>{cell}}" for n in groups)
    ]
    for value in values:
        counts = f"{first[value].tempo_files}/{first[value].key_files}"
        cells = "".join(f"{_f(g[value].acc1, 2) + '/' + _f(g[value].key_exact, 2):>{cell}}" for g in groups.values())
        lines.append(f"  {value:<{width - 2}}{counts:>10}{cells}")
    return lines


def _tempo_cell(miss: TempoMiss | None) -> str:
    if miss is None:
        return "ok"
    if miss.estimate is None:
        return "none  "
    return f"{miss.estimate:.1f}" + (" x" if miss.octave_ok else "  ")


def _key_text(key: tuple[str, str] | None) -> str:
    return "none" if key is None else f"{key[0]} {key[1][:3]}"


#: how a key miss is marked: the MIREX category it falls in (a fifth, relative or parallel key earns part credit).
_RELATION = {"fifth": " 5th", "relative": " rel", "parallel": " par", "other": "    ", "none": "    "}


def misses_tables(corpus: Corpus) -> list[str]:
    """Every file some system gets wrong, side by side: "ok" where a system got it right."""
    names = list(corpus.readings)
    tempo = {n: {m.file: m for m in tempo_misses(corpus.truths, corpus.readings[n])} for n in names}
    key = {n: {m.file: m for m in key_misses(corpus.truths, corpus.readings[n])} for n in names}
    n_tempo = sum(t.bpm is not None for t in corpus.truths)
    n_key = sum(t.key is not None for t in corpus.truths)
    width = max(len(Path(t.file).stem) for t in corpus.truths) + 2
    cell = max(14, *(len(_short(n)) + 2 for n in names))
    lines = [
        "wrong at Acc1: "
        + ", ".join(
            f"{n} {len(tempo[n])}/{n_tempo} ({sum(m.octave_ok for m in tempo[n].values())} octave)" for n in names
        ),
        f"{'tempo misses (x = right at Acc2)':<{width}}{'truth':>11}" + "".join(f"{_short(n):>{cell}}" for n in names),
    ]
    for truth in corpus.truths:
        if truth.bpm is None or not any(truth.file in tempo[n] for n in names):
            continue
        cells = [_tempo_cell(tempo[n].get(truth.file)) for n in names]
        shown = f"{truth.bpm:.1f}" + ("|" + "|".join(f"{b:.0f}" for b in truth.bpm_alt) if truth.bpm_alt else "")
        lines.append(f"{Path(truth.file).stem:<{width}}{shown:>11}" + "".join(f"{c:>{cell}}" for c in cells))
    lines += [
        "",
        "key wrong: " + ", ".join(f"{n} {len(key[n])}/{n_key}" for n in names),
        f"{'key misses (5th / rel / par: MIREX part credit)':<{width}}{'truth':>11}"
        + "".join(f"{_short(n):>{cell}}" for n in names),
    ]
    for truth in corpus.truths:
        if truth.key is None or not any(truth.file in key[n] for n in names):
            continue
        cells = []
        for n in names:
            kmiss = key[n].get(truth.file)
            cells.append("ok" if kmiss is None else f"{_key_text(kmiss.estimate)}{_RELATION[kmiss.relation]}")
        lines.append(
            f"{Path(truth.file).stem:<{width}}{_key_text(truth.key):>11}" + "".join(f"{c:>{cell}}" for c in cells)
        )
    return lines + error_lines(corpus)


def error_lines(corpus: Corpus) -> list[str]:
    """Files a system raised on, one line per system and message: a broken analyser fails the same way everywhere."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for name, readings in corpus.readings.items():
        for truth, reading in zip(corpus.truths, readings, strict=True):
            if reading.error:
                grouped.setdefault((name, reading.error), []).append(Path(truth.file).stem)
    if not grouped:
        return []
    lines = ["", "errors:"]
    for (name, error), files in grouped.items():
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        lines.append(f"  {name}, {len(files)} file(s): {error} ({shown})")
    return lines


def corpus_report(corpus: Corpus, essentia: Sequence[str], notes: Sequence[str], *, real: bool) -> str:
    summaries = corpus.summaries()
    lines = [corpus_line(corpus), "", *system_table(summaries, notes)]
    lines += real_targets(summaries, essentia) if real else generated_targets(summaries, essentia)
    for label in ("genre", "category") if real else ("style",):
        lines += ["", *group_table(corpus, label)]
    if real:
        lines += ["", *misses_tables(corpus)]
    else:
        counts = ", ".join(
            f"{n} {len(tempo_misses(corpus.truths, r))} tempo / {len(key_misses(corpus.truths, r))} key"
            for n, r in corpus.readings.items()
        )
        lines += ["", f"wrong (Acc1 / key exact; per file in --json): {counts}"]
        lines += error_lines(corpus)
    return "\n".join(lines)


def long_report(long: dict[str, float], long_format: str, sections: int) -> str:
    return (
        f"long set: {long['duration_s'] / 60:.0f} min ({long_format}), peak RSS {long['peak_rss_mb']:.0f} MB "
        f"(<= 300: {_mark(long['peak_rss_mb'] <= TARGETS['peak_rss_mb'])}), {long['cpu_s']:.1f} CPU-s "
        f"= {long['cpu_s'] / (long['duration_s'] / 60):.3f} CPU-s/audio-min, {long['segments']:.0f} segments "
        f"for {sections} generated sections, dominant {long['bpm']} BPM {long['key']} {long['scale']}"
    )


def throughput_report(throughput: dict[int, float], files: int, clip_seconds: float, parallelism: float) -> str:
    return (
        "throughput (worker pool, steady state): "
        + ", ".join(f"{w} worker{'s' if w > 1 else ''}: {v:.0f} files/min" for w, v in throughput.items())
        + f" ({files} generated files of {clip_seconds:.0f} s; {os.cpu_count()} CPUs, on which"
        f" two CPU-bound processes run {parallelism:.2f}x as fast as one)"
    )


def corpus_payload(corpus: Corpus) -> dict[str, object]:
    """Everything per file, so a score can be recomputed or a miss looked at without running again."""
    rows = []
    for i, truth in enumerate(corpus.truths):
        per_system: dict[str, object] = {}
        for name, readings in corpus.readings.items():
            r = readings[i]
            guess = normalise_key(r.tonic, r.scale)
            per_system[name] = {
                **asdict(r),
                "acc1": None if truth.bpm is None else tempo_acc1(r.bpm, truth.bpm, truth.bpm_alt),
                "acc2": None if truth.bpm is None else tempo_acc2(r.bpm, truth.bpm, truth.bpm_alt),
                "key_exact": None if truth.key is None else guess == truth.key,
                "key_mirex": None if truth.key is None else (keys.mirex_score(truth.key, guess) if guess else 0.0),
            }
        rows.append({**asdict(truth), "systems": per_system})
    return {
        "where": corpus.where,
        "files": len(corpus.truths),
        "audio_minutes": corpus.minutes,
        "tempo_truth": sum(t.bpm is not None for t in corpus.truths),
        "key_truth": sum(t.key is not None for t in corpus.truths),
        "summaries": {n: asdict(s) for n, s in corpus.summaries().items()},
        "groups": {
            label: {
                n: {v: asdict(g) for v, g in by_group(corpus.truths, r, label).items()}
                for n, r in corpus.readings.items()
            }
            for label in sorted({label for t in corpus.truths for label in t.groups})
        },
        "rows": rows,
    }


# -- main ----------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="24 short clips, a 10-minute set, every 4th real file")
    parser.add_argument("--seed", type=int, default=2024, help="generated corpus seed (default 2024)")
    parser.add_argument("--long-minutes", type=float, default=None, help="length of the long set (default 120)")
    parser.add_argument("--real-dev", type=Path, default=REAL_DEV, help=f"the real-music set (default {REAL_DEV})")
    parser.add_argument("--skip-real", action="store_true", help="no real-music part")
    parser.add_argument("--skip-generated", action="store_true", help="no generated corpus (and so no throughput)")
    parser.add_argument("--skip-long", action="store_true", help="no long set (peak RSS)")
    parser.add_argument("--keep", type=Path, default=None, help="write the generated audio here and keep it")
    parser.add_argument("--json", type=Path, default=None, help="also write the results (and per-file rows) here")
    args = parser.parse_args()

    started = time.time()
    systems, notes = system_registry.available()
    essentia = [s.name for s in systems if s.essentia]
    for note in notes:
        print(note, file=sys.stderr)
    payload: dict[str, object] = {"systems": [s.name for s in systems], "notes": notes}

    truths, skipped = ([], "--skip-real") if args.skip_real else load_real(args.real_dev, quick=args.quick)
    if skipped:
        print(f"real music: skipped -- {skipped}")
        payload["real"] = {"skipped": skipped}
    else:
        print(f"analysing {len(truths)} real files with {len(systems)} systems ...", file=sys.stderr)
        real = Corpus(
            "real music",
            str(args.real_dev),
            truths,
            system_registry.run_all(systems, truths, label="real"),
            note=" -- quick: every 4th file" if args.quick else "",
        )
        print(corpus_report(real, essentia, notes, real=True), flush=True)
        payload["real"] = corpus_payload(real)

    if args.skip_generated and args.skip_long:
        _finish(args.json, payload, started)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="tracktion-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not args.skip_generated:
            print(f"generating the corpus in {folder} ...", file=sys.stderr)
            items = build_corpus(folder, quick=args.quick, seed=args.seed)
            print(f"analysing {len(items)} generated files with {len(systems)} systems ...", file=sys.stderr)
            gen_truths = [i.truth() for i in items]
            formats = ",".join(sorted({Path(i.path).suffix.lstrip(".") for i in items}))
            generated = Corpus(
                "generated",
                f"seed {args.seed}, formats {formats}; synthetic: see the module docstring's caveat",
                gen_truths,
                system_registry.run_all(systems, gen_truths, label="generated"),
            )
            print("\n" + corpus_report(generated, essentia, notes, real=False), flush=True)
            payload["generated"] = {**corpus_payload(generated), "items": [asdict(i) for i in items]}
        if not args.skip_long:
            minutes = args.long_minutes or (10.0 if args.quick else 120.0)
            print(f"generating a {minutes:.0f}-minute set and measuring its peak RSS ...", file=sys.stderr)
            long_path, sections = long_set(folder, minutes, args.seed)
            long = measure_long(long_path)
            print("\n" + long_report(long, long_path.suffix.lstrip("."), len(sections)), flush=True)
            payload["long"] = {**long, "format": long_path.suffix.lstrip("."), "sections": len(sections)}
        if not args.skip_generated:
            paths = [i.path for i in items][: 12 if args.quick else 48]
            print("measuring worker-pool throughput ...", file=sys.stderr)
            throughput = {w: asyncio.run(_throughput(paths, w)) for w in (1, 2)}
            parallelism = machine_parallelism()
            print(throughput_report(throughput, len(paths), items[0].seconds, parallelism), flush=True)
            payload["throughput"] = {"files_per_min": throughput, "files": len(paths), "parallelism": parallelism}
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    _finish(args.json, payload, started)


def _finish(path: Path | None, payload: dict[str, object], started: float) -> None:
    print(f"(benchmark took {time.time() - started:.0f} s)", file=sys.stderr)
    if path:
        path.write_text(json.dumps(payload, indent=1, default=str))


if __name__ == "__main__":
    main()
