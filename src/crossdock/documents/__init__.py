"""Printed fulfilment documents as PDF bytes: labels, batch prints, pick lists, packing slips, invoices."""
