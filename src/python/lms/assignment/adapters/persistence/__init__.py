"""PostgreSQL persistence of the assignment service (advanced-alchemy models, repositories)."""
