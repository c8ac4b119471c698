"""The kong container's start-up rendering (infra/kong/render-kong-config.sh) and the dev keys:
a token minted with infra/dev-keys/mint-token verifies against the key Kong ends up with."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import jwt
import pytest
import yaml

from lms_platform.security import StaticKeySource, TokenVerifier
from tests.infra.deploy_files import (
    COMPOSE_FILE,
    DEV_KEYS_GENERATE,
    DEV_KEYS_MINT,
    KONG_CONFIG,
    KONG_RENDER_SCRIPT,
    KONG_SCHEMA,
    load_yaml,
)

MARKER = re.compile(r'"@file:(/run/secrets/[^"]+)"')


def script_env(**overrides: str) -> dict[str, str]:
    # This interpreter with this test's sys.path (a Pants sandbox's too) has `cryptography`, so
    # the dev-key scripts need no openssl binary.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **overrides}


def generate(out: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, str(DEV_KEYS_GENERATE), "--out", str(out)],
        check=True,
        capture_output=True,
        env=env or script_env(),
    )


@pytest.fixture(scope="module")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dev-keys")
    generate(out)
    return out


def render(template_text: str, key_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    template = tmp_path / "kong.template.yml"
    template.write_text(MARKER.sub(f'"@file:{key_file}"', template_text))
    return subprocess.run(
        ["sh", str(KONG_RENDER_SCRIPT), str(template), str(tmp_path / "out" / "kong.yml")],
        capture_output=True,
        text=True,
    )


def jwt_secret(rendered: dict[str, Any], kid: str) -> dict[str, Any]:
    return next(
        s for c in rendered["consumers"] for s in c.get("jwt_secrets", []) if s["key"] == kid
    )


def mint(dev_keys: Path, claims: dict[str, Any], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(DEV_KEYS_MINT), "--keys", str(dev_keys), json.dumps(claims)],
        check=True,
        capture_output=True,
        text=True,
        env=env or script_env(),
    )
    return result.stdout.strip()


def test_rendered_config_holds_the_key_and_verifies_dev_tokens(
    dev_keys: Path, tmp_path: Path
) -> None:
    result = render(KONG_CONFIG.read_text(), dev_keys / "jwt-public.pem", tmp_path)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load((tmp_path / "out" / "kong.yml").read_text())
    jsonschema.Draft4Validator(json.loads(KONG_SCHEMA.read_text())).validate(rendered)

    token = mint(dev_keys, {"sub": "user-1", "roles": ["student"]})
    header = jwt.get_unverified_header(token)
    # What Kong's jwt plugin does: pick the credential by the header's kid, check alg, verify.
    secret = jwt_secret(rendered, header["kid"])
    assert header["alg"] == secret["algorithm"]
    claims = jwt.decode(
        token, secret["rsa_public_key"], algorithms=[secret["algorithm"]], audience="lms"
    )
    assert claims["sub"] == "user-1"
    assert claims["iss"] == "lms-auth"
    assert claims["exp"] - claims["iat"] <= 3600  # within the plugin's maximum_expiration


def test_a_token_from_another_key_does_not_verify(dev_keys: Path, tmp_path: Path) -> None:
    other_keys = tmp_path / "other"
    generate(other_keys)
    assert render(KONG_CONFIG.read_text(), dev_keys / "jwt-public.pem", tmp_path).returncode == 0
    rendered = yaml.safe_load((tmp_path / "out" / "kong.yml").read_text())
    forged = mint(other_keys, {"sub": "intruder"})
    secret = jwt_secret(rendered, jwt.get_unverified_header(forged)["kid"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, secret["rsa_public_key"], algorithms=["RS256"], audience="lms")


def test_a_private_key_is_refused(dev_keys: Path, tmp_path: Path) -> None:
    result = render(KONG_CONFIG.read_text(), dev_keys / "jwt-private.pem", tmp_path)
    assert result.returncode == 65
    assert "not a PEM public key" in result.stderr
    assert not (tmp_path / "out" / "kong.yml").exists()


def test_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    result = render(KONG_CONFIG.read_text(), tmp_path / "absent.pem", tmp_path)
    assert result.returncode == 66
    assert "cannot read" in result.stderr
    assert not (tmp_path / "out" / "kong.yml").exists()


def test_generate_keeps_an_existing_key(dev_keys: Path) -> None:
    before = (dev_keys / "jwt-private.pem").read_bytes()
    generate(dev_keys)
    assert (dev_keys / "jwt-private.pem").read_bytes() == before
    assert (dev_keys / "jwt-private.pem").stat().st_mode & 0o077 == 0


async def test_the_services_accept_dev_tokens_through_the_dev_jwks(dev_keys: Path) -> None:
    """The user service verifies with the JWKS that the dev-jwks container serves."""
    verifier = TokenVerifier(
        StaticKeySource(json.loads((dev_keys / "jwks.json").read_text())),
        issuer="lms-auth",
        audience="lms",
    )
    token = mint(dev_keys, {"sub": "user-2", "college": "college-1", "roles": ["college_admin"]})
    principal = await verifier.verify(token)
    assert (principal.user_id, principal.tenant_id) == ("user-2", "college-1")
    assert principal.roles == frozenset({"college_admin"})


def test_compose_mounts_the_key_where_the_marker_points() -> None:
    compose = load_yaml(COMPOSE_FILE)
    kong = compose["services"]["kong"]
    targets = {f"/run/secrets/{s['target']}" for s in kong["secrets"]}
    assert set(MARKER.findall(KONG_CONFIG.read_text())) <= targets
    assert kong["entrypoint"][-1] == "/opt/lms/kong/start-kong.sh"
    assert kong["environment"]["KONG_DECLARATIVE_CONFIG"].startswith("/tmp/")
    assert kong["environment"]["LMS_KONG_CONFIG_TEMPLATE"] == "/opt/lms/kong/kong.yml"


async def test_dev_keys_are_made_and_used_without_an_openssl_binary(tmp_path: Path) -> None:
    no_binaries = script_env(PATH=str(tmp_path / "empty"))  # no openssl to find
    generate(tmp_path / "keys", env=no_binaries)
    assert (tmp_path / "keys" / "jwt-private.pem").stat().st_mode & 0o077 == 0
    token = mint(tmp_path / "keys", {"sub": "u", "college": "c"}, env=no_binaries)
    verifier = TokenVerifier(
        StaticKeySource(json.loads((tmp_path / "keys" / "jwks.json").read_text())),
        issuer="lms-auth",
        audience="lms",
    )
    assert (await verifier.verify(token)).user_id == "u"
