"""Scaffolding every marketplace emulator shares: handle base, in-process transport, limits, controls, serving."""
