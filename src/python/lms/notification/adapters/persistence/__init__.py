"""PostgreSQL persistence of the notification service (advanced-alchemy models, repositories)."""
