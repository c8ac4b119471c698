"""infra/kong/sync-jwt-keys: Kong ends up trusting exactly the keys in the auth service's JWKS,
and a token signed by any of them verifies with the credential Kong gets."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import jwt
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.infra.deploy_files import KONG_CONFIG, KONG_SCHEMA, REPO_ROOT

SYNC_SCRIPT = REPO_ROOT / "infra" / "kong" / "sync-jwt-keys"


def load_sync() -> ModuleType:
    loader = SourceFileLoader("sync_jwt_keys", str(SYNC_SCRIPT))  # no .py suffix: name the loader
    spec = importlib.util.spec_from_loader("sync_jwt_keys", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def new_key(kid: str) -> tuple[rsa.RSAPrivateKey, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return private, jwk


@pytest.fixture(scope="module")
def keys() -> list[tuple[rsa.RSAPrivateKey, dict[str, Any]]]:
    return [new_key("3f2a9c"), new_key("b71d04")]


def test_the_pem_is_the_one_cryptography_writes(keys: list[Any]) -> None:
    sync = load_sync()
    for private, jwk in keys:
        expected = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert sync.rsa_jwk_to_pem(jwk) + "\n" == expected.decode()


def test_rendered_config_trusts_every_published_key_and_keeps_the_rest(keys: list[Any]) -> None:
    sync = load_sync()
    template = KONG_CONFIG.read_text()
    jwks = {"keys": [jwk for _, jwk in keys] + [{"kty": "EC", "kid": "not-rsa", "crv": "P-256"}]}
    rendered = yaml.safe_load(sync.render(template, jwks))

    validator = jsonschema.Draft4Validator(json.loads(KONG_SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(rendered)] == []
    original = yaml.safe_load(template)
    assert {k: v for k, v in rendered.items() if k != "consumers"} == {
        k: v for k, v in original.items() if k != "consumers"
    }
    [consumer] = rendered["consumers"]
    secrets = {s["key"]: s for s in consumer["jwt_secrets"]}
    assert secrets.keys() == {"3f2a9c", "b71d04"}
    for private, jwk in keys:
        token = jwt.encode(
            {"sub": "u1", "aud": "lms"}, private, algorithm="RS256", headers={"kid": jwk["kid"]}
        )
        secret = secrets[jwt.get_unverified_header(token)["kid"]]
        assert secret["algorithm"] == "RS256"
        claims = jwt.decode(token, secret["rsa_public_key"], algorithms=["RS256"], audience="lms")
        assert claims["sub"] == "u1"


def test_an_empty_key_set_is_refused_rather_than_trusting_nothing() -> None:
    with pytest.raises(ValueError, match="no RS256 signing key"):
        load_sync().render(KONG_CONFIG.read_text(), {"keys": []})


@pytest.fixture()
def jwks_server(keys: list[Any]) -> Iterator[str]:
    body = json.dumps({"keys": [jwk for _, jwk in keys]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def test_the_script_fetches_the_jwks_over_http(jwks_server: str, tmp_path: Path) -> None:
    out = tmp_path / "kong.yml"
    result = subprocess.run(
        [
            *(sys.executable, str(SYNC_SCRIPT), "--template", str(KONG_CONFIG)),
            *("--jwks-url", jwks_server, "--once", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(out.read_text())
    assert [s["key"] for s in rendered["consumers"][0]["jwt_secrets"]] == ["3f2a9c", "b71d04"]


def test_the_script_gives_up_when_the_jwks_never_answers(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *(sys.executable, str(SYNC_SCRIPT), "--template", str(KONG_CONFIG)),
            *("--jwks-url", "http://127.0.0.1:9/jwks", "--once", "--out", str(tmp_path / "k.yml")),
            *("--interval", "0.1", "--timeout", "0.5"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no change made" in result.stderr
    assert not (tmp_path / "k.yml").exists()


class FakeKongAdmin:
    """Kong's admin API as far as the sidecar uses it: the consumer's JWT credentials, and
    POST /config, which replaces them with the config's."""

    def __init__(self, trusted: list[str]) -> None:
        self.trusted = trusted
        self.loaded_configs: list[dict[str, Any]] = []
        admin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                assert self.path == "/consumers/lms-auth/jwt"
                body = json.dumps({"data": [{"key": kid} for kid in admin.trusted]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                assert self.path == "/config"
                length = int(self.headers["Content-Length"])
                config = yaml.safe_load(json.loads(self.rfile.read(length))["config"])
                admin.loaded_configs.append(config)
                admin.trusted = sorted(s["key"] for s in config["consumers"][0]["jwt_secrets"])
                self.send_response(201)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def sync_rounds(jwks_url: str, admin_url: str, rounds: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, str(SYNC_SCRIPT), "--template", str(KONG_CONFIG)),
            *("--jwks-url", jwks_url, "--admin-url", admin_url),
            *("--interval", "0.05", "--rounds", str(rounds)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_kong_is_loaded_once_and_again_after_it_restarted_with_the_boot_key(
    jwks_server: str,
) -> None:
    kong = FakeKongAdmin(trusted=["lms-dev-1"])  # what Kong boots with (the mounted key)
    try:
        result = sync_rounds(jwks_server, kong.url, rounds=3)
        assert result.returncode == 0, result.stderr
        assert len(kong.loaded_configs) == 1  # later rounds saw Kong already in line
        assert kong.trusted == ["3f2a9c", "b71d04"]
        schema = json.loads(KONG_SCHEMA.read_text())
        assert list(jsonschema.Draft4Validator(schema).iter_errors(kong.loaded_configs[0])) == []

        kong.trusted = ["lms-dev-1"]  # Kong restarted from its template
        result = sync_rounds(jwks_server, kong.url, rounds=1)
        assert result.returncode == 0, result.stderr
        assert len(kong.loaded_configs) == 2
        assert kong.trusted == ["3f2a9c", "b71d04"]
    finally:
        kong.close()


def test_kong_keeps_its_keys_while_the_jwks_is_unreachable() -> None:
    kong = FakeKongAdmin(trusted=["3f2a9c"])
    try:
        result = sync_rounds("http://127.0.0.1:9/jwks", kong.url, rounds=2)
        assert result.returncode == 0
        assert "no change made" in result.stderr
        assert kong.loaded_configs == []
        assert kong.trusted == ["3f2a9c"]
    finally:
        kong.close()
