"""Use cases, one module per flow; ports in ports.py, errors in errors.py."""
