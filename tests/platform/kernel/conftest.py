"""Property tests here run on a shared, loaded machine: no per-example deadline."""

from hypothesis import settings

settings.register_profile("lms-kernel", deadline=None)
settings.load_profile("lms-kernel")
