"""How fast the web UI's library page and ``/api/recordings`` answer at 100,000 recordings (issue 9: p95 < 100 ms).

    uv run python benchmarks/ui/run.py                    # 100,000 rows, SQLite and (if it answers) PostgreSQL
    uv run python benchmarks/ui/run.py --rows 20000 --requests 50 --no-postgres   # a quick look
    uv run python benchmarks/ui/run.py --json results.json

What is measured: a catalog of generated recordings is written into the real schema (migrated with the product's
migrations) in bulk -- ``recordings``, one present ``files`` row and the tag/analysis ``metadata`` rows per
recording, and the ``library`` rows derived from them. The library rows are inserted directly rather than derived
by ``LibraryRepository.rebuild()``, which is slower (see benchmarks/README.md); a
sample of them is checked against what ``LibraryRepository.refresh()`` derives, so the measured read model is
the real one. Then the app (``create_app``, exactly what
``tracktion ui`` serves) is asked through an in-process ASGI client (httpx), so the figures are the server's time
per request -- routing, auth middleware, SQL, validation, JSON or HTML rendering -- without a network. Each scenario
sends ``--requests`` requests with parameters drawn from a seeded generator (different filters, pages and sort
orders each time, so no single cached plan or page is measured) after 5 warm-up requests, one at a time.

The data: artists from a pool of 3,000, titles from a word list, tempos clustered like a DJ library (house,
techno, drum & bass, and half-time-detected drum & bass at 85-88), all 24 Camelot keys, 8 moods, a few hour-long
sets. SQLite is measured as a new user has it (the embedded default, no ANALYZE); PostgreSQL after ``VACUUM
ANALYZE``, which autovacuum does by itself shortly after a bulk load. The PostgreSQL database is a throwaway one on
127.0.0.1:5432 (``--postgres-url`` to change), dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from tracktion_shared.config import Settings
from tracktion_shared.storage import (
    Database,
    FileEntry,
    LibraryEntry,
    MetadataEntry,
    Recording,
    UnitOfWork,
    sync_url,
    upgrade,
)
from tracktion_web import UiSettings, create_app

TARGET_P95_MS = 100.0
CHUNK = 5_000
WORDS = (
    "night",
    "drive",
    "oxide",
    "pressure",
    "shadow",
    "signal",
    "echo",
    "pulse",
    "vapor",
    "ember",
    "orbit",
    "static",
    "tide",
    "velvet",
    "circuit",
    "mirror",
    "drift",
    "hollow",
    "neon",
    "granite",
    "fever",
    "solar",
    "lunar",
    "silk",
    "motion",
    "rhythm",
    "horizon",
    "cascade",
    "prism",
    "fracture",
    "ritual",
    "voltage",
    "dust",
)
MOODS = ("aggressive", "euphoric", "dark", "relaxed", "melancholic", "happy", "hypnotic", "uplifting")
CAMELOT = [f"{n}{letter}" for n in range(1, 13) for letter in "AB"]
KEYS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True)
class Result:
    backend: str
    scenario: str
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_rows: float

    @property
    def ok(self) -> bool:
        return self.p95_ms < TARGET_P95_MS


def _tempo(rng: random.Random) -> float:
    style = rng.random()
    if style < 0.35:
        return round(rng.uniform(118, 128), 2)
    if style < 0.6:
        return round(rng.uniform(128, 145), 2)
    if style < 0.85:
        return round(rng.uniform(170, 176), 2)
    if style < 0.93:
        return round(rng.uniform(85, 88), 2)
    return round(rng.uniform(90, 110), 2)


Rows = list[dict[str, Any]]


def generate(rows: int, seed: int = 9) -> tuple[Rows, Rows, Rows, Rows]:
    """Recordings, files and metadata as the catalog and the analysis write them, and the library rows the storage
    layer derives from them (by its rules: status from the analysis, lower-cased search text)."""
    rng = random.Random(seed)
    artists = [f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}" for i in range(3000)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    recordings: Rows = []
    files: Rows = []
    metadata: Rows = []
    library: Rows = []
    for i in range(rows):
        rid = uuid.UUID(int=rng.getrandbits(128), version=4)
        artist = rng.choice(artists)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))).title()
        name = f"{artist} - {title} {i}.flac"
        path = f"/music/{artist[0]}/{artist}/{name}"
        recordings.append(
            {
                "id": rid,
                "file_path": path,
                "file_name": name,
                "sha256_hash": f"{i:064x}",
                "xxh128_hash": f"{i:032x}",
                "created_at": start + timedelta(seconds=i * 37),
            }
        )
        files.append(
            {"id": uuid.uuid4(), "path": path, "recording_id": rid, "status": "present", "size": 1, "mtime": 1.0}
        )
        camelot = rng.choice(CAMELOT)
        values = {
            "artist": artist,
            "title": title,
            "album": f"{rng.choice(WORDS).title()} EP",
            "genre": rng.choice(("House", "Techno", "Drum & Bass", "Breaks", "Ambient")),
            "duration": str(3600 if rng.random() < 0.01 else rng.randint(120, 600)),
            "analysis_status": "failed" if rng.random() < 0.01 else "analysed",
            "bpm": str(_tempo(rng)),
            "camelot": camelot,
            "key": KEYS[(int(camelot[:-1]) * 7) % 12],
            "scale": "minor" if camelot.endswith("A") else "major",
            "open_key": f"{(int(camelot[:-1]) + 4) % 12 + 1}{'m' if camelot.endswith('A') else 'd'}",
            "mood": rng.choice(MOODS),
            "energy": str(round(rng.random(), 3)),
        }
        if values["analysis_status"] == "failed":
            values["analysis_error"] = "analysis failed: generated"
        metadata += [{"id": uuid.uuid4(), "recording_id": rid, "key": k, "value": v} for k, v in values.items()]
        library.append(
            {
                "recording_id": rid,
                "file_path": path,
                "file_name": name,
                **{k: values[k] for k in ("artist", "title", "album", "genre", "key", "scale", "camelot", "open_key")},
                "mood": values["mood"],
                "duration": float(values["duration"]),
                "bpm": float(values["bpm"]),
                "energy": float(values["energy"]),
                "status": values["analysis_status"],
                "analysis_error": values.get("analysis_error"),
                "tracklist_status": None,
                "search_text": " ".join((artist, title, values["album"], values["genre"], name)).lower(),
                "created_at": recordings[-1]["created_at"],
                "updated_at": recordings[-1]["created_at"],
            }
        )
    return recordings, files, metadata, library


def _bulk_insert(url: str, rows: int) -> None:
    """The generated rows into the migrated tables, through SQLAlchemy's synchronous driver (sqlite3/psycopg
    ``executemany``): the bulk load is setup, not what is measured, and the asyncio drivers hop threads per batch."""
    recordings, files, metadata, library = generate(rows)
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            tables = ((Recording, recordings), (FileEntry, files), (MetadataEntry, metadata), (LibraryEntry, library))
            for table, data in tables:
                for i in range(0, len(data), CHUNK):
                    connection.execute(insert(table), data[i : i + CHUNK])
    finally:
        engine.dispose()


async def load(url: str, rows: int) -> float:
    """Migrate and bulk-insert the generated catalog with its library rows; seconds taken."""
    started = time.perf_counter()
    await upgrade(url)
    await asyncio.to_thread(_bulk_insert, url, rows)
    if make_url(url).get_backend_name() == "postgresql":
        async with Database(url) as db, db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


async def check_library(url: str, sample: int = 200) -> None:
    """The bulk-loaded library rows equal what the storage layer derives (``LibraryRepository.refresh``) for a
    sample of recordings, so the benchmark measures the real read model, not a look-alike."""
    async with Database(url) as db:

        async def compare(uow: UnitOfWork) -> None:
            ids = list((await uow.session.scalars(select(LibraryEntry.recording_id).limit(sample))).all())
            columns = [c for c in LibraryEntry.__table__.columns if c.name != "updated_at"]
            statement = select(*columns).where(LibraryEntry.recording_id.in_(ids)).order_by(LibraryEntry.recording_id)
            before = (await uow.session.execute(statement)).all()
            await uow.library.refresh(ids)
            after = (await uow.session.execute(statement)).all()
            for mine, derived in zip(before, after, strict=True):
                if mine != derived:
                    raise RuntimeError(f"a generated library row differs from the storage layer's: {mine} != {derived}")
            raise _Rollback

        with contextlib.suppress(_Rollback):
            await db.run(compare)


class _Rollback(Exception):
    """Leaves the comparison's transaction without committing the refreshed rows."""


Scenario = Callable[[random.Random], tuple[str, dict[str, Any]]]


def scenarios(rows: int) -> dict[str, Scenario]:
    """Name -> a function drawing one request (path, query) from the generator."""

    def two_keys(rng: random.Random) -> list[str]:
        return rng.sample(CAMELOT, 2)

    def bpm_window(rng: random.Random) -> dict[str, Any]:
        low = rng.choice((120, 124, 128, 140, 170, 172))
        return {"bpm_min": low, "bpm_max": low + 4}

    deep = max(0, rows - 100)
    return {
        "page /: first page, by artist": lambda rng: ("/", {"order": rng.choice(("asc", "desc"))}),
        "page /: BPM±half/double + 2 keys": lambda rng: (
            "/",
            {**bpm_window(rng), "half_double": "1", "camelot": two_keys(rng), "sort": "bpm"},
        ),
        "api: first page, by artist": lambda rng: ("/api/recordings", {"order": rng.choice(("asc", "desc"))}),
        "api: BPM range + half/double": lambda rng: (
            "/api/recordings",
            {**bpm_window(rng), "half_double": "true", "sort": rng.choice(("bpm", "artist"))},
        ),
        "api: BPM + 2 Camelot keys + mood": lambda rng: (
            "/api/recordings",
            {**bpm_window(rng), "camelot": two_keys(rng), "mood": rng.choice(MOODS), "sort": "title"},
        ),
        "api: text search (one word)": lambda rng: ("/api/recordings", {"q": rng.choice(WORDS)}),
        "api: text search (two words)": lambda rng: (
            "/api/recordings",
            {"q": f"{rng.choice(WORDS)} {rng.choice(WORDS)}"},
        ),
        "api: deep page, by title": lambda rng: (
            "/api/recordings",
            {"sort": "title", "offset": rng.randint(0, deep), "limit": 50},
        ),
        "api: sort by BPM desc, page 100": lambda rng: (
            "/api/recordings",
            {"sort": "bpm", "order": "desc", "offset": 5000 + rng.randint(0, 50)},
        ),
        "api: status=failed, by duration": lambda rng: (
            "/api/recordings",
            {"status": "failed", "sort": "duration", "order": rng.choice(("asc", "desc"))},
        ),
    }


async def measure(backend: str, url: str, rows: int, requests: int) -> list[Result]:
    settings = Settings(data_dir=Path(tempfile.gettempdir()) / "tracktion-ui-bench-no-graph", database_url=url)
    app = create_app(settings, UiSettings(token=None))
    results = []
    rng = random.Random(42)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for name, draw in scenarios(rows).items():
                times, counts = [], []
                for n in range(requests + 5):
                    path, params = draw(rng)
                    started = time.perf_counter()
                    response = await client.get(path, params=params)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} {params}: HTTP {response.status_code} {response.text[:300]}")
                    if n >= 5:
                        times.append(elapsed)
                        counts.append(response.json()["total"] if path.startswith("/api") else 0)
                times.sort()
                results.append(
                    Result(
                        backend=backend,
                        scenario=name,
                        requests=len(times),
                        p50_ms=statistics.median(times),
                        p95_ms=times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                        max_ms=times[-1],
                        mean_rows=statistics.fmean(counts),
                    )
                )
    finally:
        await app.state.tracktion.close()
    return results


def postgres_database(admin_url: str) -> tuple[str, Callable[[], None]] | None:
    """A throwaway database (its URL and a function that drops it), or None when PostgreSQL does not answer."""
    name = f"tracktion_ui_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        print(f"PostgreSQL at {admin_url} does not answer ({error}); measuring SQLite only", file=sys.stderr)
        return None

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def print_table(results: list[Result], rows: int, loads: dict[str, float]) -> None:
    table = Table(title=f"Web UI at {rows:,} recordings: latency per request (target p95 < {TARGET_P95_MS:.0f} ms)")
    for column in ("backend", "scenario", "n", "p50 ms", "p95 ms", "max ms", "matches (mean)", "p95 < 100 ms"):
        table.add_column(column, justify="left" if column in ("backend", "scenario") else "right")
    for r in results:
        table.add_row(
            r.backend,
            r.scenario,
            str(r.requests),
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.max_ms:.1f}",
            f"{r.mean_rows:,.0f}" if r.mean_rows else "-",
            "yes" if r.ok else "NO",
        )
    console = Console(width=140)
    console.print(table)
    console.print(
        "bulk load (setup, not measured): "
        + ", ".join(f"{backend} {seconds:.1f} s" for backend, seconds in loads.items())
    )
    console.print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario (after 5 warm-up ones)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    results: list[Result] = []
    loads: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tracktion-ui-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'tracktion.db'}"
        loads["sqlite"] = asyncio.run(load(url, args.rows))
        asyncio.run(check_library(url))
        results += asyncio.run(measure("sqlite", url, args.rows, args.requests))
    postgres = None if args.no_postgres else postgres_database(args.postgres_url)
    if postgres is not None:
        url, drop = postgres
        try:
            loads["postgresql"] = asyncio.run(load(url, args.rows))
            asyncio.run(check_library(url))
            results += asyncio.run(measure("postgresql", url, args.rows, args.requests))
        finally:
            drop()
    print_table(results, args.rows, loads)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"ok": r.ok} for r in results], indent=2))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
