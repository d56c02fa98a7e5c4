"""Marketplace connectors: one subpackage per platform, each exporting CONNECTOR."""
