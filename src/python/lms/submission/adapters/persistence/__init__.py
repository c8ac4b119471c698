"""PostgreSQL persistence of the submission service (advanced-alchemy models, repositories)."""
