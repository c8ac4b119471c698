"""Serve one reference app the way the project serves itself: one uvicorn process on uvloop and
httptools, no access log. ``python -m benchmarks.user.apps.serve reference_litestar``.

The project's own server is not started here but through its production entry point
(``python -m lms.user.main serve``), so that what is measured is what ships.
"""

from __future__ import annotations

import argparse
import importlib

import uvicorn

from benchmarks.user.apps.common import ReferenceConfig

APPS = ("reference_litestar", "reference_fastapi", "hello_litestar")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=APPS)
    args = parser.parse_args()
    config = ReferenceConfig.from_env()
    module = importlib.import_module(f"benchmarks.user.apps.{args.app}")
    uvicorn.run(
        module.create_app(config),
        host="127.0.0.1",
        port=config.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
