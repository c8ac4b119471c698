"""The local platform on one machine, without Docker: ``./pants run src/python/lms/devstack:up``."""
