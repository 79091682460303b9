"""Alembic migrations of the store (run by :mod:`dispatch.store.migrate`; no alembic.ini)."""
