"""How every service's process runs: logging and tracing set-up, and serving HTTP."""

from __future__ import annotations

import gc

from litestar import Litestar

from lms_platform.config import ServiceSettings
from lms_platform.logging import configure_logging
from lms_platform.tracing import configure_tracing


def configure_process(settings: ServiceSettings) -> None:
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    configure_tracing(
        settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        sample_ratio=settings.trace_sample_ratio,
    )


def freeze_startup_heap() -> None:
    """Move everything start-up built (modules, the app, the DI container) out of the cyclic
    collector's sight. It lives as long as the process; without this, each full collection walks
    ~200k objects and stalls the event loop for ~200 ms under load, which becomes the p99
    (measured: docs/benchmarks/user.md)."""
    gc.collect()
    gc.freeze()


def serve_http(app: Litestar, settings: ServiceSettings) -> None:
    """Serve ``app`` with one uvicorn worker on uvloop and httptools until stopped."""
    import uvicorn
    import uvloop

    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,  # the platform middleware writes the access log
        loop="uvloop",
        http="httptools",
        lifespan="on",
    )
    freeze_startup_heap()
    uvloop.run(uvicorn.Server(config).serve())
