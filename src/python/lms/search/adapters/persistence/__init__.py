"""PostgreSQL persistence of the search service (advanced-alchemy models, repositories)."""
