"""The base of domain events. Adapters wrap them in the platform's event envelope."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """A fact about one aggregate. ``event_type`` is the envelope type, e.g. ``user.created``."""

    event_type: ClassVar[str]
    topic: ClassVar[str]
    schema_version: ClassVar[int] = 1

    aggregate_id: str
    tenant_id: str

    @property
    def partition_key(self) -> str:
        """The Kafka key; events of one key stay in order. Default: the aggregate id."""
        return self.aggregate_id

    def payload(self) -> dict[str, Any]:
        """The event's data, minus the routing fields the envelope carries itself."""
        data = asdict(self)
        data.pop("aggregate_id", None)
        data.pop("tenant_id", None)
        return data
