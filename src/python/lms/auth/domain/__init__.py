"""Colleges, accounts, credentials, roles and tokens: entities, rules and events. Pure Python."""
