"""Convert the plain ``postgresql://`` DSNs the fixtures hand out into driver-specific URLs."""

from __future__ import annotations

_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")


def to_asyncpg_sqlalchemy_url(dsn: str) -> str:
    """``postgresql://u@h:p/db`` -> ``postgresql+asyncpg://u@h:p/db`` (SQLAlchemy async engine)."""
    for scheme in _SCHEMES:
        if dsn.startswith(scheme):
            return "postgresql+asyncpg://" + dsn[len(scheme) :]
    raise ValueError(f"not a PostgreSQL DSN: {dsn!r}")


def to_asyncpg_dsn(dsn: str) -> str:
    """The form ``asyncpg.connect`` accepts (no SQLAlchemy driver suffix)."""
    return "postgresql://" + to_asyncpg_sqlalchemy_url(dsn)[len("postgresql+asyncpg://") :]
