"""Where the deployment artifacts live and how to load them (shared by the tests in this folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
COMPOSE_ENV_EXAMPLE = REPO_ROOT / "infra" / "compose.env.example"
KONG_CONFIG = REPO_ROOT / "infra" / "kong" / "kong.yml"
KONG_SCHEMA = REPO_ROOT / "infra" / "kong" / "schema" / "kong_json_schema.json"
KONG_RENDER_SCRIPT = REPO_ROOT / "infra" / "kong" / "render-kong-config.sh"
DEV_KEYS_GENERATE = REPO_ROOT / "infra" / "dev-keys" / "generate"
DEV_KEYS_MINT = REPO_ROOT / "infra" / "dev-keys" / "mint-token"
POSTGRES_INIT_SCRIPT = REPO_ROOT / "infra" / "postgres" / "init" / "10-service-databases.sh"
MONGO_INIT_DIR = REPO_ROOT / "infra" / "mongo" / "init"
PROMETHEUS_DIR = REPO_ROOT / "observability" / "prometheus"
DASHBOARD_DIR = REPO_ROOT / "observability" / "grafana" / "dashboards"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())
