"""The search service's HTTP edge: Litestar controllers and msgspec schemas."""
