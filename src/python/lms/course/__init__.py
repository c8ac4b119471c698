"""The course service: see docs/services/course.md."""
