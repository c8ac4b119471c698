"""Entities, value objects, domain events and rules: plain Python, no framework or I/O."""
