"""User profiles and preferences: entities, value objects, rules and events. Pure Python."""
