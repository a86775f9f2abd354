"""Pick the bus from the settings: RabbitMQ when a broker URL is configured, the embedded bus otherwise."""

from __future__ import annotations

from tracktion_shared.bus.base import Bus, RetryPolicy
from tracktion_shared.bus.inprocess import InProcessBus
from tracktion_shared.config import Settings
from tracktion_shared.routes import ROUTES

__all__ = ["create_bus", "retry_policy"]


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy the settings ask for (``bus_max_retries``, ``bus_retry_delay``)."""
    return RetryPolicy(max_retries=settings.bus_max_retries, base_delay=settings.bus_retry_delay)


def create_bus(settings: Settings) -> Bus:
    """A new, unstarted bus: :class:`RabbitMQBus` if ``amqp_url`` is set (not empty), else :class:`InProcessBus`.

    RabbitMQ declares every consumer queue of :data:`~tracktion_shared.routes.ROUTES` at start, so messages
    published before a consumer's first start wait for it. A new user configures nothing and gets the in-process
    bus; setting ``TRACKTION_AMQP_URL`` moves the same services onto RabbitMQ without code changes.
    """
    url = Settings.secret(settings.amqp_url)
    if url:
        # aio-pika only for a process that talks to RabbitMQ (the embedded CLI never does)
        from tracktion_shared.bus.rabbitmq import RabbitMQBus  # noqa: PLC0415

        return RabbitMQBus(
            url,
            retry_policy(settings),
            prefix=settings.bus_prefix,
            prefetch=settings.bus_prefetch,
            declare=ROUTES,
            close_timeout=settings.bus_shutdown_grace,
        )
    return InProcessBus(
        retry_policy(settings), prefetch=settings.bus_prefetch, close_timeout=settings.bus_shutdown_grace
    )
