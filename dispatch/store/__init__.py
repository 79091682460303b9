"""The embedded store behind :class:`dispatch.Engine` (SQLite by default, PostgreSQL by URL)."""

from dispatch.store.errors import CapacityFullError as CapacityFullError
from dispatch.store.errors import OutOfStockError as OutOfStockError
from dispatch.store.errors import StoreError as StoreError
from dispatch.store.errors import StoreUnavailableError as StoreUnavailableError
from dispatch.store.errors import StoreWriteError as StoreWriteError
from dispatch.store.migrate import head_revision as head_revision
from dispatch.store.sql import OrderStatus as OrderStatus
from dispatch.store.sql import SqlStore as SqlStore
from dispatch.store.sql import StoredOrder as StoredOrder
from dispatch.store.sql import StoredPlan as StoredPlan
from dispatch.store.sql import UnreadableOrder as UnreadableOrder
