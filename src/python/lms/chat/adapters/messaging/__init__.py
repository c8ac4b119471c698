"""Kafka consumers of the chat service."""
