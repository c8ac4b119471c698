"""The notes service: see docs/services/notes.md."""
