"""Alembic's environment: runs the revisions on the connection the store hands over.

:func:`dispatch.store.migrate.upgrade` puts an open connection (inside the transaction
that serialises migrations) in ``config.attributes["connection"]``; there is no URL and
no offline mode.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
