"""Alembic migrations, run by `crossdock init` / `crossdock migrate`."""
