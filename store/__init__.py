"""The DuckDB workspace database: connections, schema and migrations, queries.

``store`` imports neither ``engine`` nor ``textual``.
"""

from store.db import Database, WorkspaceBusyError

__all__ = ["Database", "WorkspaceBusyError"]
