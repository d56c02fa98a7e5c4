"""The `crossdock` command line (Typer + Rich)."""
