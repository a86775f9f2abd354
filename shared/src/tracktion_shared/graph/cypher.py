"""Every Cypher statement of the graph, in both dialects, side by side so a reviewer can compare them.

``LADYBUG`` is LadybugDB's (Kuzu's) Cypher: a declared schema (``NODE TABLE``/``REL TABLE`` with primary keys), so
``MERGE`` on a primary key is the idempotent upsert. ``NEO4J`` is Neo4j 5's: schema-free, so uniqueness constraints
(created by the schema step) make ``MERGE`` on the stable ids safe and fast. Most statements read the same in both;
where they differ, the comment says why.

Stable ids: a recording's ``uuid`` is the catalog's; a metadata node's ``id`` is ``<recording>:<key>`` (one value
per key per recording, replaced in place); a tracklist's ``uuid`` is derived from (recording, source), so finding
the same set's tracklist again replaces it; a track's ``key`` is the normalised "artist - title".

Tracklists found from the audio (source ``fingerprint``) know the very recording each row is: besides the
tracklist's ``CONTAINS_TRACK`` edges (what ``sets-with`` and ``next-after`` read, whatever the source), the set
gets a ``PLAYED`` edge to each such recording, with when (set seconds), how fast (tempo ratio: played / original),
how transposed and how sure, tagged with the tracklist's source so that finding it again replaces its edges.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LADYBUG_SCHEMA", "NEO4J_SCHEMA", "SCHEMA_VERSION", "Q", "Query"]


@dataclass(frozen=True)
class Query:
    """One statement in both dialects; a backend picks its own."""

    ladybug: str
    neo4j: str


def _same(text: str) -> Query:
    return Query(ladybug=text, neo4j=text)


#: the newest schema step; each backend records the steps it applied in ``(:SchemaVersion {version})`` nodes
SCHEMA_VERSION = 2

# Schema steps by version. LadybugDB declares tables; Neo4j declares uniqueness constraints (which also index).
LADYBUG_SCHEMA: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE NODE TABLE IF NOT EXISTS Recording(uuid STRING, path STRING, PRIMARY KEY(uuid))",
        "CREATE NODE TABLE IF NOT EXISTS Metadata(id STRING, key STRING, value STRING, PRIMARY KEY(id))",
        "CREATE NODE TABLE IF NOT EXISTS Tracklist("
        "uuid STRING, source STRING, title STRING, url STRING, PRIMARY KEY(uuid))",
        "CREATE NODE TABLE IF NOT EXISTS Track(key STRING, artist STRING, title STRING, PRIMARY KEY(key))",
        "CREATE REL TABLE IF NOT EXISTS HAS_METADATA(FROM Recording TO Metadata)",
        "CREATE REL TABLE IF NOT EXISTS HAS_TRACKLIST(FROM Recording TO Tracklist)",
        "CREATE REL TABLE IF NOT EXISTS CONTAINS_TRACK(FROM Tracklist TO Track, position INT64, start_time DOUBLE)",
    ),
    2: (
        "CREATE REL TABLE IF NOT EXISTS PLAYED(FROM Recording TO Recording, source STRING, start_time DOUBLE,"
        " end_time DOUBLE, tempo_ratio DOUBLE, semitones DOUBLE, confidence DOUBLE)",
    ),
}
NEO4J_SCHEMA: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE CONSTRAINT recording_uuid IF NOT EXISTS FOR (r:Recording) REQUIRE r.uuid IS UNIQUE",
        "CREATE CONSTRAINT metadata_id IF NOT EXISTS FOR (m:Metadata) REQUIRE m.id IS UNIQUE",
        "CREATE CONSTRAINT tracklist_uuid IF NOT EXISTS FOR (t:Tracklist) REQUIRE t.uuid IS UNIQUE",
        "CREATE CONSTRAINT track_key IF NOT EXISTS FOR (t:Track) REQUIRE t.key IS UNIQUE",
        "CREATE INDEX recording_path IF NOT EXISTS FOR (r:Recording) ON (r.path)",
    ),
    2: (),  # PLAYED needs no constraint: it is found from the set's (constrained) node
}


class Q:
    """The statements, by name. Parameters are ``$name``; rows of ``UNWIND`` are lists of maps."""

    # -- schema bookkeeping ------------------------------------------------------------------------------------------
    #: LadybugDB needs the table before it can be read; Neo4j's constraint keeps one node per version
    SCHEMA_TABLE = Query(
        ladybug="CREATE NODE TABLE IF NOT EXISTS SchemaVersion(version INT64, PRIMARY KEY(version))",
        neo4j="CREATE CONSTRAINT schema_version IF NOT EXISTS FOR (s:SchemaVersion) REQUIRE s.version IS UNIQUE",
    )
    SCHEMA_CURRENT = _same("MATCH (s:SchemaVersion) RETURN max(s.version)")
    SCHEMA_RECORD = _same("MERGE (s:SchemaVersion {version: $version})")

    # -- writes --------------------------------------------------------------------------------------------------
    # coalesce: a message that does not know the path (analysis results) keeps the one the catalog gave.
    UPSERT_RECORDING = _same("MERGE (r:Recording {uuid: $uuid}) SET r.path = coalesce($path, r.path)")
    UPSERT_METADATA = _same(
        "MATCH (r:Recording {uuid: $uuid}) "
        "UNWIND $rows AS row "
        "MERGE (m:Metadata {id: row.id}) SET m.key = row.key, m.value = row.value "
        "MERGE (r)-[:HAS_METADATA]->(m)"
    )
    UPSERT_TRACKLIST = _same(
        "MERGE (r:Recording {uuid: $recording}) "
        "MERGE (tl:Tracklist {uuid: $uuid}) SET tl.source = $source, tl.title = $title, tl.url = $url "
        "MERGE (r)-[:HAS_TRACKLIST]->(tl)"
    )
    # Recordings' states replace what the graph had, many recordings per statement (one UNWIND each): their
    # metadata and tracklists go and the states' are written anew (their ids are stable, so the result is the same
    # as an update); a recording with no file left goes altogether. DETACH: the edges go with the nodes.
    UPSERT_RECORDINGS = _same("UNWIND $rows AS row MERGE (r:Recording {uuid: row.uuid}) SET r.path = row.path")
    CLEAR_METADATA = _same(
        "UNWIND $uuids AS id MATCH (r:Recording {uuid: id})-[:HAS_METADATA]->(m:Metadata) DETACH DELETE m"
    )
    CLEAR_TRACKLISTS = _same(
        "UNWIND $uuids AS id MATCH (r:Recording {uuid: id})-[:HAS_TRACKLIST]->(tl:Tracklist) DETACH DELETE tl"
    )
    CLEAR_ALL_PLAYED = _same("UNWIND $uuids AS id MATCH (r:Recording {uuid: id})-[p:PLAYED]->(:Recording) DELETE p")
    ADD_METADATA = _same(
        "UNWIND $rows AS row MATCH (r:Recording {uuid: row.uuid}) "
        "MERGE (m:Metadata {id: row.id}) SET m.key = row.key, m.value = row.value "
        "MERGE (r)-[:HAS_METADATA]->(m)"
    )
    DELETE_RECORDINGS = _same("UNWIND $uuids AS id MATCH (r:Recording {uuid: id}) DETACH DELETE r")
    # A tracklist is replaced as a whole (rows may have moved); deleting then creating its edges is idempotent.
    CLEAR_TRACKLIST = _same("MATCH (tl:Tracklist {uuid: $uuid})-[c:CONTAINS_TRACK]->(:Track) DELETE c")
    # The first spelling seen becomes the display name; later spellings of the same key do not flip it back and forth.
    UPSERT_TRACKS = _same(
        "UNWIND $rows AS row MERGE (t:Track {key: row.key}) ON CREATE SET t.artist = row.artist, t.title = row.title"
    )
    # LadybugDB types a parameter from its values: a list whose start times are all null reads as STRING, hence the
    # CAST. Neo4j stores whatever arrives (a null property is simply absent).
    LINK_TRACKS = Query(
        ladybug="MATCH (tl:Tracklist {uuid: $uuid}) "
        "UNWIND $rows AS row "
        "MATCH (t:Track {key: row.key}) "
        "CREATE (tl)-[:CONTAINS_TRACK {position: row.position, start_time: CAST(row.start_time AS DOUBLE)}]->(t)",
        neo4j="MATCH (tl:Tracklist {uuid: $uuid}) "
        "UNWIND $rows AS row "
        "MATCH (t:Track {key: row.key}) "
        "CREATE (tl)-[:CONTAINS_TRACK {position: row.position, start_time: row.start_time}]->(t)",
    )

    CLEAR_PLAYED = _same(
        "MATCH (r:Recording {uuid: $recording})-[p:PLAYED]->(:Recording) WHERE p.source = $source DELETE p"
    )
    # the played recording may not be in the graph yet (its own state comes later): MERGE makes its node, which its
    # state then fills in. CAST as in LINK_TRACKS.
    LINK_PLAYED = Query(
        ladybug="MATCH (s:Recording {uuid: $recording}) "
        "UNWIND $rows AS row "
        "MERGE (t:Recording {uuid: row.uuid}) "
        "CREATE (s)-[:PLAYED {source: $source, start_time: CAST(row.start_time AS DOUBLE), "
        "end_time: CAST(row.end_time AS DOUBLE), tempo_ratio: CAST(row.tempo_ratio AS DOUBLE), "
        "semitones: CAST(row.semitones AS DOUBLE), confidence: CAST(row.confidence AS DOUBLE)}]->(t)",
        neo4j="MATCH (s:Recording {uuid: $recording}) "
        "UNWIND $rows AS row "
        "MERGE (t:Recording {uuid: row.uuid}) "
        "CREATE (s)-[:PLAYED {source: $source, start_time: row.start_time, end_time: row.end_time, "
        "tempo_ratio: row.tempo_ratio, semitones: row.semitones, confidence: row.confidence}]->(t)",
    )

    # -- reads ---------------------------------------------------------------------------------------------------
    PLAYS = _same(
        "MATCH (s:Recording)-[p:PLAYED]->(t:Recording {uuid: $uuid}) "
        "RETURN s.uuid, s.path, p.source, p.start_time, p.end_time, p.tempo_ratio, p.semitones, p.confidence "
        "ORDER BY s.uuid, p.start_time"
    )
    #: a coarse pre-filter (any query word in the key); the fuzzy score in Python decides
    CANDIDATE_TRACKS = _same(
        "MATCH (t:Track) WHERE any(tok IN $tokens WHERE t.key CONTAINS tok) RETURN t.key, t.artist, t.title"
    )
    APPEARANCES = _same(
        "MATCH (r:Recording)-[:HAS_TRACKLIST]->(tl:Tracklist)-[c:CONTAINS_TRACK]->(t:Track) "
        "WHERE t.key IN $keys "
        "RETURN r.uuid, r.path, tl.uuid, tl.source, tl.title, t.key, t.artist, t.title, c.position, c.start_time"
    )
    FOLLOWERS = _same(
        "MATCH (tl:Tracklist)-[a:CONTAINS_TRACK]->(t:Track) WHERE t.key IN $keys "
        "MATCH (tl)-[b:CONTAINS_TRACK]->(n:Track) WHERE b.position = a.position + 1 "
        "RETURN n.key, n.artist, n.title, count(*) AS plays "
        "ORDER BY plays DESC, n.key LIMIT $limit"
    )
    LIBRARY = _same(
        "MATCH (r:Recording)-[:HAS_METADATA]->(m:Metadata) WHERE m.key IN $keys RETURN r.uuid, r.path, m.key, m.value"
    )
    RECORDING_BY_PATH = _same("MATCH (r:Recording) WHERE r.path = $path RETURN r.uuid ORDER BY r.uuid LIMIT 1")
