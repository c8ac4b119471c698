"""The notes service's HTTP edge: Litestar controllers and msgspec schemas."""
