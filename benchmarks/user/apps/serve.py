"""Serve one app the way the project serves itself: one process on uvloop, no access log.
``python -m benchmarks.user.apps.serve reference_litestar [--server granian]``.

uvicorn (with httptools) is what the project ships on; granian (one worker) is what the issue's
reference ran on. ``project --server granian`` serves the project's own app, built by its
production entry point (``lms.user.main serve``), on granian.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
from typing import Any

APPS = ("reference_litestar", "reference_fastapi", "hello_litestar", "project")


def reference_app() -> Any:
    """The factory granian imports in its worker (the app named by ``BENCH_APP``)."""
    from benchmarks.user.apps.common import ReferenceConfig

    module = importlib.import_module(f"benchmarks.user.apps.{os.environ['BENCH_APP']}")
    return module.create_app(ReferenceConfig.from_env())


def capture_project_app() -> tuple[Any, Any]:
    """The (app, settings) that ``python -m lms.user.main serve`` would hand to
    ``lms_platform.http.serving.serve_http``, caught on the way instead of served."""
    import sys

    import lms_platform.http.serving as serving

    original = serving.serve_http
    captured: dict[str, Any] = {}

    def capture(app: Any, settings: Any, *args: Any, **kwargs: Any) -> None:
        captured["app"], captured["settings"] = app, settings

    import lms.user.main as main

    # Every module that imported serve_http by name (the runtime's command line does).
    for module in list(sys.modules.values()):
        if getattr(module, "serve_http", None) is original:
            module.serve_http = capture  # type: ignore[attr-defined]
    main.run(["serve"])
    if "app" not in captured:
        raise SystemExit("lms.user.main serve did not hand an app to serve_http")
    return captured["app"], captured["settings"]


def project_app() -> Any:
    """The project's app for granian, with the start-up heap frozen as serve_http does."""
    app, _ = capture_project_app()
    gc.collect()
    gc.freeze()
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=APPS)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    args = parser.parse_args()
    os.environ["BENCH_APP"] = args.app
    if args.server == "granian":
        from granian import Granian
        from granian.constants import Interfaces, Loops

        port = int(os.environ.get("BENCH_PORT") or os.environ["LMS_USER_HTTP_PORT"])
        factory = "project_app" if args.app == "project" else "reference_app"
        Granian(
            f"benchmarks.user.apps.serve:{factory}",
            factory=True,
            address="127.0.0.1",
            port=port,
            interface=Interfaces.ASGI,
            workers=1,
            loop=Loops.uvloop,
            log_enabled=False,
            log_access=False,
        ).serve()
        return
    import uvicorn

    if args.app == "project":
        raise SystemExit("the project serves itself on uvicorn: python -m lms.user.main serve")
    from benchmarks.user.apps.common import ReferenceConfig

    config = ReferenceConfig.from_env()
    uvicorn.run(
        reference_app(),
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
