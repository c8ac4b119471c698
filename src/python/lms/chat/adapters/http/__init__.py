"""The chat service's HTTP edge: Litestar controllers and msgspec schemas."""
