"""The service runtime: a service declares a ``ServiceSpec`` (settings, providers, routes,
topics, consumers, background work) and the runtime builds and runs the rest."""

from lms_platform.runtime.cli import run_service
from lms_platform.runtime.consumers import ConsumerGroup
from lms_platform.runtime.jobs import JobWakeup, JobWorker
from lms_platform.runtime.providers import ServiceBasicsProvider
from lms_platform.runtime.service import ServiceRuntime
from lms_platform.runtime.spec import Background, RuntimeParts, ServiceSpec

__all__ = [
    "Background",
    "ConsumerGroup",
    "JobWakeup",
    "JobWorker",
    "RuntimeParts",
    "ServiceBasicsProvider",
    "ServiceRuntime",
    "ServiceSpec",
    "run_service",
]
