"""PostgreSQL persistence of the chat service (advanced-alchemy models, repositories)."""
