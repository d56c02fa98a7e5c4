"""Sellers, their platform accounts and their stores."""
