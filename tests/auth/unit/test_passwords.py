"""The scrypt adapter: salted, self-describing hashes; unknown accounts cost a hash too."""

from __future__ import annotations

from lms.auth.adapters.security.passwords import ScryptParameters, ScryptPasswordHasher

# Cheap parameters: the rules are the same, the unit tests stay fast.
FAST = ScryptParameters(n=2**10, r=8, p=1)


async def test_hash_verifies_only_the_same_password() -> None:
    hasher = ScryptPasswordHasher(FAST)
    first = await hasher.hash("correct horse battery")
    second = await hasher.hash("correct horse battery")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$n=1024,r=8,p=1$")
    assert await hasher.verify(first, "correct horse battery") is True
    assert await hasher.verify(first, "correct horse batterY") is False


async def test_hashes_keep_their_own_parameters_after_a_policy_change() -> None:
    old = await ScryptPasswordHasher(FAST).hash("pw-from-last-year")
    assert await ScryptPasswordHasher(ScryptParameters(n=2**11)).verify(old, "pw-from-last-year")


async def test_no_hash_and_malformed_hashes_never_verify() -> None:
    hasher = ScryptPasswordHasher(FAST)
    assert await hasher.verify(None, "anything") is False
    assert await hasher.verify("bcrypt$whatever", "anything") is False
    assert await hasher.verify("scrypt$n=x$a$b", "anything") is False
