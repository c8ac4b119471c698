"""JWT verification against the auth service's JWKS, yielding a ``Principal``."""

from lms_platform.kernel.principal import Principal
from lms_platform.security.jwks import JWKSKeySource, KeySource, StaticKeySource
from lms_platform.security.verifier import InvalidToken, TokenVerifier

__all__ = [
    "InvalidToken",
    "JWKSKeySource",
    "KeySource",
    "Principal",
    "StaticKeySource",
    "TokenVerifier",
]
