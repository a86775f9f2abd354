"""Identification benchmark: tracktion's fingerprints against audfprint2 and qfp, on DJ-style mixes, one run.

``python benchmarks/identify/bench_identify.py [--mixes 6] [--scale 1000,10000] [--skip-peers]``

1. builds (or reuses) a corpus of mixes with exact truth (:mod:`benchmarks.identify.mixes`: real-dev clips plus
   generated tracks, tempo ratios as in real mixes, transpositions, crossfades with EQ, a limiter, crowd noise,
   MP3 at 128 kbps, distractor tracks that are not in the library);
2. indexes the library with tracktion (a fresh SQLite index) and identifies every mix, in a child process so its
   CPU time and peak RSS are its own, on one core (BLAS/FFT threads pinned to 1);
3. grows the index to 1,000 and 10,000 tracks with generated stand-ins and identifies the mixes again: speed and
   precision with a large library. Stand-in tracks are five minutes of keys made from the real library's own rows
   and calibrated to share keys with each other as often as the real tracks do (:mod:`benchmarks.identify.standins`;
   the calibration is printed). Rendering and fingerprinting 10,000 real tracks would take this machine hours;
   what a large library does to a query is more rows per key, which the stand-ins reproduce;
4. runs the peers on the same library and mixes (:mod:`benchmarks.identify.peers`);
5. prints one table: recall by tempo-change band, precision, start error, tempo-ratio error, index size per audio
   hour, indexing CPU per audio minute, speed (x real time), peak RSS.

Targets (issue 16): recall >= 0.97 within 10 %, >= 0.90 within 16 %, precision >= 0.99, median start error <= 1 s,
indexing <= 0.3 CPU s per audio minute, >= 100x real time on one core with 10,000 tracks, index <= 5 MB per audio
hour, peak RSS <= 400 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import pickle
import resource
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.identify.mixes import Corpus, build_corpus  # noqa: E402
from benchmarks.identify.peers import peers  # noqa: E402
from benchmarks.identify.scoring import BANDS, Detected, Score, score_mix  # noqa: E402
from benchmarks.identify.standins import Pool, calibrate  # noqa: E402
from tracktion_identify.adapters.index import IndexedRecording  # noqa: E402
from tracktion_identify.adapters.sqlite_index import SqliteIndex  # noqa: E402
from tracktion_identify.domain.fingerprint import Quads  # noqa: E402
from tracktion_identify.identifier import fingerprint, identify  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "identify"


@dataclass
class Ours:
    index_cpu_s: float
    audio_s: float
    index_bytes: int
    runs: dict[int, tuple[float, float, dict[str, list[Detected]]]]  # tracks -> (query cpu s, mix s, detections)
    peak_rss: int = 0
    #: the stand-ins' share of fresh shapes and key sharing, real and stand-in (:mod:`benchmarks.identify.standins`)
    calibration: tuple[float, float, float] = (0.0, 0.0, 0.0)


def _pin_threads() -> None:
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[name] = "1"


def _ours(corpus: Corpus, workdir: Path, scales: list[int], queue: multiprocessing.Queue[Ours]) -> None:
    _pin_threads()
    db = workdir / "tracktion-index.db"
    for old in workdir.glob("tracktion-index.db*"):
        old.unlink()
    index = SqliteIndex(db, durable=False)  # a scratch index: 10,000 stand-ins go in faster unsynced
    paths: dict[uuid.UUID, Path] = {}
    started = time.process_time()
    audio = 0.0
    pool: list[Quads] = []
    for source in corpus.library:
        found = fingerprint(source.path)
        recording_id = uuid.uuid5(uuid.NAMESPACE_URL, str(source.path))
        paths[recording_id] = source.path
        digest = hashlib.sha256(str(source.path).encode()).hexdigest()
        index.add(IndexedRecording(recording_id, digest, found.seconds, False), found.index_quads)
        audio += found.seconds
        pool.append(found.index_quads)
    index_cpu = time.process_time() - started
    index_bytes = index.stats().bytes
    result = Ours(index_cpu, audio, index_bytes, {})

    def run(tracks: int) -> None:
        cpu = 0.0
        seconds = 0.0
        found_by_mix: dict[str, list[Detected]] = {}
        for mix in corpus.mixes:
            t0 = time.process_time()
            query = fingerprint(mix.path)
            identification = identify(index, query)
            cpu += time.process_time() - t0
            seconds += query.seconds
            found_by_mix[str(mix.path)] = [
                Detected(paths[t.recording_id], t.start_s, t.end_s, t.tempo_ratio)
                for t in identification.tracks
                if t.recording_id in paths
            ] + [
                Detected(Path("/stand-in"), t.start_s, t.end_s)
                for t in identification.tracks
                if t.recording_id not in paths
            ]
        result.runs[tracks] = (cpu, seconds, found_by_mix)

    run(len(corpus.library))
    rng = np.random.default_rng(16)
    stand_ins = calibrate(Pool.of(pool), audio, rng)
    result.calibration = (stand_ins.fresh, stand_ins.real_sharing, stand_ins.model_sharing)
    have = len(corpus.library)
    for target in scales:
        for number in range(have, target):
            index.add(IndexedRecording(uuid.uuid4(), f"stand-in-{number}", 300.0, False), stand_ins.make(rng))
        have = max(have, target)
        run(target)
    index.close()
    result.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    queue.put(result)


def _row(name: str, score: Score, **cells: str) -> dict[str, str]:
    def fmt(value: float, digits: int = 3) -> str:
        return "-" if value != value else f"{value:.{digits}f}"

    row = {
        "system": name,
        "recall <5%": fmt(score.recall([0])),
        "5-10%": fmt(score.recall([1])),
        "10-16%": fmt(score.recall([2])),
        "<=10%": fmt(score.recall([0, 1])),
        "precision": fmt(score.precision()),
        "start err p50/p90 s": f"{fmt(score.start_error(0.5), 2)}/{fmt(score.start_error(0.9), 2)}",
    }
    row.update(cells)
    return row


def _print(rows: list[dict[str, str]]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    widths = {c: max(len(c), *(len(row.get(c, "")) for row in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-|-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(row.get(c, "").ljust(widths[c]) for c in columns))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=CACHE)
    parser.add_argument("--mixes", type=int, default=6)
    parser.add_argument("--scale", default="1000,10000", help="index sizes to grow to (comma-separated, '' for none)")
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    corpus = build_corpus(args.workdir, mixes=args.mixes)
    library_s = sum(s.duration_s for s in corpus.library)
    mixes_s = sum(m.duration_s for m in corpus.mixes)
    placements = sum(len(m.placements) for m in corpus.mixes)
    print(
        f"corpus: {len(corpus.library)} library tracks ({library_s / 60:.0f} min), {len(corpus.distractors)}"
        f" distractors, {len(corpus.mixes)} mixes ({mixes_s / 60:.0f} min, {placements} placements);"
        f" built or loaded in {time.time() - t0:.0f} s"
    )
    scales = [int(s) for s in args.scale.split(",") if s.strip()]
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[Ours] = context.Queue()
    child = context.Process(target=_ours, args=(corpus, args.workdir, scales, queue))
    child.start()
    ours = queue.get()
    child.join()
    with (args.workdir / "tracktion-detections.pickle").open("wb") as out:  # for a closer look at what was missed
        pickle.dump(ours, out)
    if scales:
        fresh, real, model = ours.calibration
        print(f"stand-ins: key sharing {model:.3f} (real tracks {real:.3f}), {fresh:.3f} of rows with a fresh shape")

    rows: list[dict[str, str]] = []
    by_path = {m.path: m for m in corpus.mixes}
    for tracks, (cpu, seconds, found) in sorted(ours.runs.items()):
        score = Score()
        for mix_path, detections in found.items():
            score.add(score_mix(by_path[Path(mix_path)].placements, detections))
        tempo = float(sum(score.tempo_errors) / len(score.tempo_errors)) if score.tempo_errors else float("nan")
        rows.append(
            _row(
                f"tracktion ({tracks} tracks)",
                score,
                **{
                    "tempo err": f"{tempo:.4f}",
                    "MB/audio h": f"{ours.index_bytes / 1e6 / (ours.audio_s / 3600):.2f}"
                    if tracks == len(corpus.library)
                    else "",
                    "index CPU s/min": f"{ours.index_cpu_s / (ours.audio_s / 60):.3f}"
                    if tracks == len(corpus.library)
                    else "",
                    "x real time": f"{seconds / cpu:.0f}",
                    "peak RSS MB": f"{ours.peak_rss / 1e6:.0f}" if tracks == max(ours.runs) else "",
                },
            )
        )
    if not args.skip_peers:
        library = [s.path for s in corpus.library]
        queries = [m.path for m in corpus.mixes]
        for peer in peers():
            run = peer.run(library, queries, args.workdir / "peers")
            if run.error:
                rows.append({"system": f"{peer.name}: {run.error}"})
                continue
            score = Score()
            for mix in corpus.mixes:
                detections = [
                    Detected(d.track, d.start_s, d.end_s if d.end_s is not None else d.start_s + 15.0)
                    for d in run.detections.get(mix.path, [])
                ]
                score.add(score_mix(mix.placements, detections))
            rows.append(
                _row(
                    f"{peer.name} {run.version} ({len(library)} tracks)",
                    score,
                    **{
                        "tempo err": "-",
                        "MB/audio h": f"{run.index_bytes / 1e6 / (library_s / 3600):.2f}",
                        "index CPU s/min": f"{run.index_cpu_s / (library_s / 60):.3f}",
                        "x real time": f"{mixes_s / run.query_cpu_s:.0f}" if run.query_cpu_s else "-",
                        "peak RSS MB": f"{run.peak_rss_bytes / 1e6:.0f}",
                    },
                )
            )
            print(f"{peer.name}: {run.settings}")
    print()
    _print(rows)
    print(
        f"\nbands: {BANDS}; targets: recall >= 0.97 (<=10 %), >= 0.90 (10-16 %), precision >= 0.99, start p50 <= 1 s,"
    )
    print("index <= 0.3 CPU s/min and <= 5 MB/audio h, >= 100x real time at 10,000 tracks, peak RSS <= 400 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
