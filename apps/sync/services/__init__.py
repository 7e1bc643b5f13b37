"""Writes of the flow engine. Tasks, views and commands call these; see each module's contract."""
