"""Fulfilment: review, split and merge, shipping choice, parcels and their tracking, returns."""
