"""Alembic environment of the case store: runs on the connection that `store.migrate` hands in.

`onconav serve` upgrades the database to the newest revision on start; nothing here reads an
alembic.ini, so the migrations ship inside the wheel and run from it.
"""

from __future__ import annotations

from alembic import context

from onconav.web.db import Base


def _run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
