"""docker-compose.yml: secrets only through required interpolation, pinned images, health-gated
start-up, and settings that match what each service actually reads."""

from __future__ import annotations

import importlib
import re
from typing import Any
from urllib.parse import urlparse

import msgspec

from tests.infra.deploy_files import (
    COMPOSE_ENV_EXAMPLE,
    COMPOSE_FILE,
    KONG_CONFIG,
    MONGO_INIT_DIR,
    POSTGRES_INIT_SCRIPT,
    PROMETHEUS_DIR,
    load_yaml,
)

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_AUTH$", re.IGNORECASE)
REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):\?[^}]*\}")
ANY_VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")
LMS_IMAGE = re.compile(r"^\$\{LMS_IMAGE_REGISTRY:-lms\}/(\w+):\$\{LMS_IMAGE_TAG:-latest\}$")


def url_credentials(url: str) -> tuple[str | None, str | None, str]:
    """(user, password, rest) of ``scheme://user:password@rest``; the password may hold ``${X:?}``,
    which urllib cannot parse."""
    _, _, location = url.partition("://")
    credentials, at, rest = location.rpartition("@")
    if not at:
        return None, None, location
    user, colon, password = credentials.partition(":")
    return user, (password if colon else None), rest


def compose() -> dict[str, Any]:
    config: dict[str, Any] = load_yaml(COMPOSE_FILE)
    return config


def lms_services() -> dict[str, dict[str, Any]]:
    """Long-running LMS service containers (not their one-shot migrate or bootstrap steps)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if LMS_IMAGE.match(service.get("image", "")) and service.get("restart") != "no"
    }


# The service that issues tokens publishes the JWKS; it does not fetch one.
ISSUER = "auth"


def settings_fields(service: str) -> tuple[str, set[str]]:
    module = importlib.import_module(f"lms.{service}.config")
    settings_types = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, msgspec.Struct)
        and value.__module__ == module.__name__
    ]
    assert len(settings_types) == 1, f"lms.{service}.config should define one settings struct"
    return module.ENV_PREFIX, set(settings_types[0].__struct_fields__)


def test_secret_values_come_only_from_required_variables() -> None:
    problems = []
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if value is None:
                continue  # passed through from the operator's shell for one run, never stored
            value = str(value)
            secret = SECRET_NAME.search(key) and not key.endswith("__FILE")
            if secret and not REQUIRED_VARIABLE.fullmatch(value):
                problems.append(f"{name}.{key} = {value!r}")
            password = url_credentials(value)[1] if "://" in value else None
            if password is not None and not REQUIRED_VARIABLE.fullmatch(password):
                problems.append(f"{name}.{key}: URL password {password!r}")
        for arg in service.get("command") or []:
            if isinstance(arg, str) and "PASSWORD" in arg and not REQUIRED_VARIABLE.fullmatch(arg):
                problems.append(f"{name}.command: {arg!r}")
    assert problems == []


def test_env_example_defines_every_required_variable_without_real_secrets() -> None:
    example = dict(
        line.split("=", 1)
        for line in COMPOSE_ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    required = set(REQUIRED_VARIABLE.findall(COMPOSE_FILE.read_text()))
    assert required <= example.keys()
    for key, value in example.items():
        if SECRET_NAME.search(key) and not key.endswith("_FILE"):
            assert value == "change-me", key


def test_every_third_party_image_is_pinned() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        if LMS_IMAGE.match(image):
            continue
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image}"
        assert re.match(r"^v?\d+\.\d+(\.\d+)?(-[\w.]+)?$", tag), f"{name}: {image}"


def on_mongo(name: str) -> bool:
    """A service whose store is MongoDB (notes): no migrate step, no PostgreSQL role."""
    return "mongo_url" in settings_fields(name)[1]


def test_lms_services_start_only_on_healthy_dependencies_and_a_finished_migration() -> None:
    services = lms_services()
    assert "user" in services
    for name, service in services.items():
        depends = service["depends_on"]
        store = "mongo" if on_mongo(name) else "postgres"
        for dependency in (store, redis_host(name, service), "kafka"):
            assert depends[dependency]["condition"] == "service_healthy", f"{name} -> {dependency}"
        assert "/ready" in " ".join(service["healthcheck"]["test"])
        if on_mongo(name):
            assert f"{name}-migrate" not in compose()["services"]  # indexes are made at start
            continue
        assert depends[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        migrate = compose()["services"][f"{name}-migrate"]
        assert migrate["image"] == service["image"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def redis_host(name: str, service: dict[str, Any]) -> str:
    """The compose service behind the service's ``REDIS_URL``."""
    url = service["environment"][f"LMS_{name.upper()}_REDIS_URL"]
    return url_credentials(url)[2].split(":")[0].split("/")[0]


def _redis_option(redis: dict[str, Any], option: str) -> str:
    command = [str(part) for part in redis["command"]]
    return command[command.index(option) + 1]


def test_the_auth_services_redis_never_evicts_its_lockouts() -> None:
    """Lock-out counters evicted by an LRU cache policy would reopen a locked account."""
    services = compose()["services"]
    host = redis_host("auth", services["auth"])
    assert host != "redis", "auth needs its own Redis, apart from the shared LRU cache"
    redis = services[host]
    assert _redis_option(redis, "--maxmemory-policy") == "noeviction"
    assert _redis_option(redis, "--appendonly") == "yes"
    assert services["auth"]["depends_on"][host]["condition"] == "service_healthy"
    assert redis_host("auth", services["auth-bootstrap"]) == host
    cache = services[redis_host("user", services["user"])]
    assert _redis_option(cache, "--maxmemory-policy") == "allkeys-lru"  # the cache may evict


def test_every_lms_variable_is_a_setting_the_service_reads() -> None:
    for name, service in lms_services().items():
        prefix, fields = settings_fields(name)
        migrate = compose()["services"].get(f"{name}-migrate")
        for container in (service, *([migrate] if migrate else [])):
            env = container["environment"]
            unknown = {
                k for k in env if k.startswith(prefix) and k[len(prefix) :].lower() not in fields
            }
            assert unknown == set(), f"{name}: {unknown}"
        env = service["environment"]
        required = {
            "mongo_url" if on_mongo(name) else "database_url",
            "redis_url",
            "kafka_bootstrap_servers",
            "http_host",
            "http_port",
        }
        if name != ISSUER:
            required.add("jwks_url")
        for setting in sorted(required):
            assert f"{prefix}{setting.upper()}" in env, f"{name}: {setting}"
        if migrate:
            assert f"{prefix}DATABASE_URL" in migrate["environment"]


def container_port(name: str) -> int:
    prefix, _ = settings_fields(name)
    return int(lms_services()[name]["environment"][f"{prefix}HTTP_PORT"])


def test_ports_agree_between_settings_healthcheck_kong_and_prometheus() -> None:
    services = lms_services()
    for name, service in services.items():
        port = container_port(name)
        assert any(str(p).endswith(f":{port}") for p in service["ports"]), name
        assert f"127.0.0.1:{port}/ready" in " ".join(service["healthcheck"]["test"])
    for kong_service in load_yaml(KONG_CONFIG)["services"]:
        upstream = urlparse(kong_service["url"])
        assert upstream.hostname in services, kong_service["name"]
        assert upstream.port == container_port(upstream.hostname)
    scrape = load_yaml(PROMETHEUS_DIR / "prometheus.yml")["scrape_configs"]
    targets = {
        t
        for job in scrape
        if job["job_name"] == "lms-services"
        for sc in job["static_configs"]
        for t in sc["targets"]
    }
    assert targets == {f"{name}:{container_port(name)}" for name in services}


def test_each_service_gets_its_own_database_role() -> None:
    init_script = POSTGRES_INIT_SCRIPT.read_text()
    listed = set(re.search(r"^SERVICES=\(([^)]*)\)", init_script, re.MULTILINE).group(1).split())  # type: ignore[union-attr]
    postgres_env = compose()["services"]["postgres"]["environment"]
    mongo_env = compose()["services"]["mongo"]["environment"]
    for name, service in lms_services().items():
        prefix, _ = settings_fields(name)
        if on_mongo(name):
            assert f"LMS_{name.upper()}_DB_PASSWORD" in mongo_env
            user, password, rest = url_credentials(service["environment"][f"{prefix}MONGO_URL"])
            assert (user, password) == (f"lms_{name}", f"${{LMS_{name.upper()}_DB_PASSWORD:?}}")
            # The user authenticates against the database in the path (authSource defaults to it).
            assert rest == f"mongo:27017/lms_{name}?replicaSet=rs0"
            init = (MONGO_INIT_DIR / f"10-{name}-user.js").read_text()
            assert f'user: "lms_{name}"' in init and f"LMS_{name.upper()}_DB_PASSWORD" in init
            continue
        assert name in listed
        assert f"LMS_{name.upper()}_DB_PASSWORD" in postgres_env
        user, password, rest = url_credentials(service["environment"][f"{prefix}DATABASE_URL"])
        assert (user, password) == (f"lms_{name}", f"${{LMS_{name.upper()}_DB_PASSWORD:?}}")
        assert rest == f"postgres:5432/lms_{name}"


def test_every_variable_is_either_required_defaulted_or_documented() -> None:
    text = COMPOSE_FILE.read_text()
    example_keys = {
        line.split("=", 1)[0]
        for line in COMPOSE_ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    bare = {m.group(1) for m in re.finditer(r"\$\{(\w+)\}", text)}
    assert (
        bare <= example_keys
    ), "a ${VAR} without :? or :- must be listed in infra/compose.env.example"
    assert set(ANY_VARIABLE.findall(text))


def test_the_services_verify_tokens_with_the_auth_services_jwks() -> None:
    services = compose()["services"]
    assert "auth" in lms_services()
    for name, service in lms_services().items():
        if name == ISSUER:
            continue
        prefix, _ = settings_fields(name)
        jwks_url = service["environment"][f"{prefix}JWKS_URL"]
        assert jwks_url.endswith(":-http://auth:8000/.well-known/jwks.json}"), name
        assert service["depends_on"]["auth"]["condition"] == "service_healthy", name
    assert services["kong"]["depends_on"]["auth"]["condition"] == "service_healthy"
    sync = services["kong-jwks-sync"]
    assert sync["network_mode"] == "service:kong"  # the admin API is on Kong's loopback only
    assert "http://auth:8000/.well-known/jwks.json" in sync["command"]


def test_the_auth_service_keeps_its_signing_keys_encrypted() -> None:
    for name in ("auth", "auth-migrate", "auth-bootstrap"):
        env = compose()["services"][name]["environment"]
        assert REQUIRED_VARIABLE.fullmatch(env["LMS_AUTH_KEY_ENCRYPTION_KEY"]), name
        assert env["LMS_AUTH_ENVIRONMENT"] != "development"  # that would allow plain keys


def test_the_first_super_admin_comes_from_the_shell_on_demand() -> None:
    bootstrap = compose()["services"]["auth-bootstrap"]
    assert bootstrap["command"] == ["bootstrap"]
    assert bootstrap["profiles"] == ["bootstrap"]  # never part of a plain `up`
    env = bootstrap["environment"]
    assert env["LMS_AUTH_BOOTSTRAP_EMAIL"] is None
    assert env["LMS_AUTH_BOOTSTRAP_PASSWORD"] is None
    assert "BOOTSTRAP" not in COMPOSE_ENV_EXAMPLE.read_text().replace("auth-bootstrap", "")
