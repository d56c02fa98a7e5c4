"""How people and programs reach Crossdock: REST API, CLI (and later the web console)."""
