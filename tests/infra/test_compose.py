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


def test_lms_services_start_only_on_healthy_dependencies_and_a_finished_migration() -> None:
    services = lms_services()
    assert "user" in services
    for name, service in services.items():
        depends = service["depends_on"]
        assert depends[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        for dependency in ("postgres", "redis", "kafka"):
            assert depends[dependency]["condition"] == "service_healthy", f"{name} -> {dependency}"
        assert "/ready" in " ".join(service["healthcheck"]["test"])
        migrate = compose()["services"][f"{name}-migrate"]
        assert migrate["image"] == service["image"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_lms_variable_is_a_setting_the_service_reads() -> None:
    for name, service in lms_services().items():
        prefix, fields = settings_fields(name)
        for container in (service, compose()["services"][f"{name}-migrate"]):
            env = container["environment"]
            unknown = {
                k for k in env if k.startswith(prefix) and k[len(prefix) :].lower() not in fields
            }
            assert unknown == set(), f"{name}: {unknown}"
        env = service["environment"]
        required = {
            "database_url",
            "redis_url",
            "kafka_bootstrap_servers",
            "http_host",
            "http_port",
        }
        if name != ISSUER:
            required.add("jwks_url")
        for setting in sorted(required):
            assert f"{prefix}{setting.upper()}" in env, f"{name}: {setting}"
        assert f"{prefix}DATABASE_URL" in compose()["services"][f"{name}-migrate"]["environment"]


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
    for name, service in lms_services().items():
        prefix, _ = settings_fields(name)
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
