"""The store's Alembic revisions, oldest first (never edit one that has shipped)."""
