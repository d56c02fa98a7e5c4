"""The toolkit every connector is built from: errors, HTTP base, registry."""
