"""The service generator: ``./pants run build-support/python/new_service -- <name>``."""
