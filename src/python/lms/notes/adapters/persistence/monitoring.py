"""``notes_mongo_up{service}``: 1 while the driver's last heartbeat to a MongoDB server succeeded,
0 after one failed. The driver sends heartbeats every 10 s whether or not requests come, so an
unreachable MongoDB shows without traffic (observability/prometheus/notes_alerts.yml)."""

from __future__ import annotations

from prometheus_client import Gauge
from pymongo.monitoring import (
    ServerHeartbeatFailedEvent,
    ServerHeartbeatListener,
    ServerHeartbeatStartedEvent,
    ServerHeartbeatSucceededEvent,
)

MONGO_UP = Gauge(
    "notes_mongo_up",
    "1 while the last heartbeat to the MongoDB server succeeded, 0 after a failed one.",
    ["service"],
    multiprocess_mode="livemin",  # one worker that cannot reach it is enough to say so
)


class MongoHeartbeatGauge(ServerHeartbeatListener):
    """Called on the driver's monitor threads; a gauge's ``set`` is thread safe."""

    def __init__(self, service: str) -> None:
        self._gauge = MONGO_UP.labels(service=service)

    def started(self, event: ServerHeartbeatStartedEvent) -> None:
        pass

    def succeeded(self, event: ServerHeartbeatSucceededEvent) -> None:
        self._gauge.set(1)

    def failed(self, event: ServerHeartbeatFailedEvent) -> None:
        self._gauge.set(0)
