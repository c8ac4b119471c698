"""structlog JSON logs with the service name and the current trace and span ids on every line."""

from lms_platform.logging.setup import configure_logging, get_logger

__all__ = ["configure_logging", "get_logger"]
