"""The argon2id adapter: self-describing hashes, scrypt hashes still verify and ask for a
rehash, and an account without a hash costs a full verification."""

from __future__ import annotations

import time

from lms.auth.adapters.security.passwords import (
    Argon2idPasswordHasher,
    Argon2Parameters,
    ScryptParameters,
    ScryptPasswordHasher,
)

# Cheap parameters: the rules are the same, the unit tests stay fast.
FAST = Argon2Parameters(time_cost=1, memory_kib=1024)
FAST_SCRYPT = ScryptParameters(n=2**10)


def _hasher(parameters: Argon2Parameters = FAST) -> Argon2idPasswordHasher:
    return Argon2idPasswordHasher(parameters, legacy=ScryptPasswordHasher(FAST_SCRYPT))


async def test_new_hashes_are_argon2id_with_the_configured_parameters() -> None:
    hasher = _hasher()
    first = await hasher.hash("correct horse battery")
    second = await hasher.hash("correct horse battery")
    assert first.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert first != second  # a fresh salt each time
    assert await hasher.verify(first, "correct horse battery") is True
    assert await hasher.verify(first, "correct horse batterY") is False
    assert hasher.needs_rehash(first) is False


async def test_default_parameters_are_owasps() -> None:
    assert Argon2Parameters() == Argon2Parameters(time_cost=2, memory_kib=19456, parallelism=1)


async def test_scrypt_hashes_still_verify_and_ask_for_a_rehash() -> None:
    old = await ScryptPasswordHasher(FAST_SCRYPT).hash("pw-from-last-year")
    hasher = _hasher()
    assert await hasher.verify(old, "pw-from-last-year") is True
    assert await hasher.verify(old, "another-password") is False
    assert hasher.needs_rehash(old) is True


async def test_weaker_argon2_parameters_ask_for_a_rehash() -> None:
    weak = await _hasher(Argon2Parameters(time_cost=1, memory_kib=512)).hash("pw")
    hasher = _hasher()
    assert await hasher.verify(weak, "pw") is True  # parameters travel with the hash
    assert hasher.needs_rehash(weak) is True


async def test_no_hash_and_malformed_hashes_never_verify() -> None:
    hasher = _hasher()
    assert await hasher.verify(None, "anything") is False
    assert await hasher.verify("bcrypt$whatever", "anything") is False
    assert await hasher.verify("$argon2id$v=19$garbage", "anything") is False
    assert hasher.needs_rehash("$argon2id$v=19$garbage") is True


async def test_an_account_without_a_hash_costs_a_full_verification() -> None:
    # Heavier parameters so that the cost is measurable above scheduling noise.
    hasher = _hasher(Argon2Parameters(time_cost=2, memory_kib=8 * 1024))
    real = await hasher.hash("secret password")
    await hasher.verify(None, "warm up")  # the first call also makes the dummy hash

    async def timed(password_hash: str | None) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            await hasher.verify(password_hash, "wrong password")
            best = min(best, time.perf_counter() - start)
        return best

    known, unknown = await timed(real), await timed(None)
    assert unknown > 0.5 * known, (known, unknown)
    assert unknown < 2.0 * known, (known, unknown)
