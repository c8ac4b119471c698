"""Fresh fakes per test; every unit test here runs in microseconds with no server."""

from __future__ import annotations

import pytest

from tests.user.unit.fakes import FakeCache, FixedClock, SequentialIds


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture()
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture()
def cache() -> FakeCache:
    return FakeCache()
