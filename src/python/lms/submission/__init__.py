"""The submission service: see docs/services/submission.md."""
