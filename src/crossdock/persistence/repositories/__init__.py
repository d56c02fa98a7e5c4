"""Repositories: one per aggregate or stream, each over one open connection."""
