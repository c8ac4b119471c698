"""The chat service: see docs/services/chat.md."""
