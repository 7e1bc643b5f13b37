"""Worklist pages. Each module holds a few thin views: parse, call one selector or service, render."""
