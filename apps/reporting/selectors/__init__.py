"""Reads of the reporting app, always filtered by what the user may see."""
