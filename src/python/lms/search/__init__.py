"""The search service: see docs/services/search.md."""
