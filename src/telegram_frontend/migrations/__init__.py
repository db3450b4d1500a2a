"""Alembic migrations of our own `tf_` tables, applied by `tgfront migrate` and at start."""
