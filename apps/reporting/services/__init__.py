"""Writes of the reporting app (each module's docstring states its contract)."""
