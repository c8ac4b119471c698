"""Root conftest: the real-server fixtures (postgres_dsn, redis_url, kafka_bootstrap, ...)."""

from lms_platform.testing.fixtures import *  # noqa: F401,F403,RUF100
