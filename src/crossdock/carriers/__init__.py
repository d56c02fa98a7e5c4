"""Carrier adapters: one subpackage per carrier's label API, each exporting CARRIER (a CarrierSpec)."""
