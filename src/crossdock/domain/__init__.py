"""The pure core: rules and value types, stdlib and pydantic only, no I/O, no clock."""
