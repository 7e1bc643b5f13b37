"""Normalizers: pure functions from a platform's shape to the CanonicalDocument (no I/O, no database).

Each returns a CanonicalDocument (or a list for files) or raises SchemaError / TabularError listing every
problem found, with the path (or line and column) where the sender can fix it.
"""

from apps.documents.errors import SchemaError, TabularError
from apps.documents.normalize.canonical import normalize_canonical, parse_canonical_json

__all__ = ["SchemaError", "TabularError", "normalize_canonical", "parse_canonical_json"]
