"""Inventory: stock per warehouse, its ledger, reservations for orders, allocation to stores."""
