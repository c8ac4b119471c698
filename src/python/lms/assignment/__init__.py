"""The assignment service: see docs/services/assignment.md."""
