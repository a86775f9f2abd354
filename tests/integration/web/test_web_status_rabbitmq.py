"""The status page against a real RabbitMQ: queue depths, and dead letters peeked without being consumed."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from tracktion_shared.bus import RabbitMQBus, RetryPolicy, delete_topology
from tracktion_shared.config import Settings
from tracktion_shared.errors import PermanentError
from tracktion_shared.messages import FileDeleted, Message, RecordingCataloged
from tracktion_shared.routes import ROUTES
from tracktion_shared.storage import upgrade
from tracktion_web import UiSettings, create_app

pytestmark = pytest.mark.rabbitmq

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


async def refuse(message: Message) -> None:
    raise PermanentError(f"cannot handle {message.type} in this test")


async def status(settings: Settings) -> dict[str, object]:
    app = create_app(settings, UiSettings(token=None, bus_timeout=10))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            response = await client.get("/api/status")
            assert response.status_code == 200, response.text
            page = await client.get("/status")
            assert page.status_code == 200
            assert "Dead letters" in page.text
            body: dict[str, object] = response.json()
            return body
    finally:
        await app.state.tracktion.close()


async def test_status_shows_queue_depths_and_peeks_dead_letters_without_taking_them(tmp_path: Path) -> None:
    prefix = f"webui{uuid.uuid4().hex[:10]}"
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    await upgrade(url)
    bus = RabbitMQBus(AMQP_URL, RetryPolicy(max_retries=0, base_delay=0.1), prefix=prefix, declare=ROUTES)
    bus.subscribe("catalog", ROUTES["catalog"], refuse)
    try:
        await asyncio.wait_for(bus.start(), 30)
        await bus.publish(FileDeleted(path="/music/poison.flac"))
        for _ in range(3):
            await bus.publish(
                RecordingCataloged(recording_id=uuid.uuid4(), path="/x.flac", sha256="0" * 64, xxh128="0" * 32)
            )
        for _ in range(300):
            if await bus.dead_letters("catalog"):
                break
            await asyncio.sleep(0.05)
        settings = Settings(data_dir=tmp_path, database_url=url, amqp_url=AMQP_URL, bus_prefix=prefix)
        live_report = (await status(settings))["bus"]
        assert isinstance(live_report, dict)
        live = {q["consumer"]: q for q in live_report["queues"]}
        assert (live["catalog"]["consumers"], live["analysis"]["consumers"]) == (1, 0)  # who is working right now
        await bus.close()

        for _ in range(2):  # peeking twice finds the same letter: the first look took nothing
            report = await status(settings)
            bus_report = report["bus"]
            assert isinstance(bus_report, dict)
            assert bus_report["kind"] == "rabbitmq"
            assert bus_report["reachable"] is True
            queues = {q["consumer"]: q for q in bus_report["queues"]}
            assert set(queues) == set(ROUTES)
            assert queues["catalog"]["dead_letters"] == 1
            assert queues["catalog"]["queue"] == f"{prefix}.catalog"
            assert queues["analysis"]["depth"] == 3  # nobody consumes them in this test
            assert queues["tracklist"]["depth"] == 3
            (letter,) = bus_report["dead_letters"]
            assert letter["consumer"] == "catalog"
            assert letter["message_type"] == "file.deleted"
            assert "cannot handle file.deleted" in letter["reason"]
            assert "/music/poison.flac" in letter["body"]
    finally:
        await bus.close()
        await delete_topology(AMQP_URL, prefix, list(ROUTES))


async def test_an_unreachable_broker_is_reported_not_raised(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    await upgrade(url)
    settings = Settings(data_dir=tmp_path, database_url=url, amqp_url="amqp://guest:secret@127.0.0.1:1/")
    app = create_app(settings, UiSettings(token=None, bus_timeout=1))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            report = (await client.get("/api/status")).json()
    finally:
        await app.state.tracktion.close()
    assert report["bus"]["reachable"] is False
    assert "RabbitMQ cannot be read" in report["bus"]["note"]
    assert "secret" not in report["bus"]["note"]
    assert report["counts"] == {"cataloged": 0, "analysed": 0, "failed": 0, "missing": 0}
