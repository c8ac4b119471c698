"""Litestar, SQLAlchemy, Kafka and other adapters of the application's ports."""
