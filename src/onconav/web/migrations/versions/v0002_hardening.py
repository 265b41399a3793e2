"""Account hardening: token expiry, disabled users, idle sessions, shared login limits.

The audit table also records failed logins and denied requests (user_id may be null).

Tokens made before this migration expire 90 days after it runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OLD_TOKEN_DAYS = 90


def _key(name: str) -> str:
    # The same rule as security.canonical_username, frozen here as of this migration.
    return unicodedata.normalize("NFKC", name).strip().casefold()[:100]


def upgrade() -> None:
    """Add the columns and the login-failure table; give old tokens 90 days."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name_key", sa.String(100), nullable=True))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))
    conn = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("name_key", sa.String))  # fmt: skip
    for uid, name in conn.execute(sa.select(users.c.id, users.c.username)).all():
        conn.execute(users.update().where(users.c.id == uid).values(name_key=_key(name)))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name_key", existing_type=sa.String(100), nullable=False)
        batch.create_index("ix_users_name_key", ["name_key"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime))
    conn.execute(tokens.update().values(expires_at=now + dt.timedelta(days=_OLD_TOKEN_DAYS)))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    sessions = sa.table("web_sessions", sa.column("last_seen_at", sa.DateTime))
    conn.execute(sessions.update().values(last_seen_at=now))
    with op.batch_alter_table("web_sessions") as batch:
        batch.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("client", sa.String(64), nullable=True))
        batch.add_column(sa.Column("detail", sa.String(200), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_key", "login_failures", ["key"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])


def downgrade() -> None:
    """Drop what `upgrade` added (old tokens lose their expiry)."""
    op.drop_table("login_failures")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("detail")
        batch.drop_column("client")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_name_key")
        batch.drop_column("disabled_at")
        batch.drop_column("name_key")
