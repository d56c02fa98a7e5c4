"""Use cases: each runs inside a unit of work and publishes its events after commit."""
