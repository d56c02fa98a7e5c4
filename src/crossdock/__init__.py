"""Crossdock: one operations hub for every store on every marketplace."""
