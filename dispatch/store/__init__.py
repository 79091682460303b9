"""The embedded store behind :class:`dispatch.Engine` (SQLite by default, PostgreSQL by URL)."""

from dispatch.store.sql import MIGRATIONS as MIGRATIONS
from dispatch.store.sql import SCHEMA_VERSION as SCHEMA_VERSION
from dispatch.store.sql import OrderStatus as OrderStatus
from dispatch.store.sql import SqlStore as SqlStore
from dispatch.store.sql import StoredOrder as StoredOrder
from dispatch.store.sql import StoredPlan as StoredPlan
