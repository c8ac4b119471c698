"""The notification service: see docs/services/notification.md."""
