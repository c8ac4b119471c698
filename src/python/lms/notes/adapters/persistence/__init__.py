"""PostgreSQL persistence of the notes service (advanced-alchemy models, repositories)."""
