"""PostgreSQL persistence of the course service (advanced-alchemy models, repositories)."""
