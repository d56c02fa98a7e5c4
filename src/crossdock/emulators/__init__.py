"""Local emulators of marketplace APIs, for testing connectors without reaching the real platforms."""
