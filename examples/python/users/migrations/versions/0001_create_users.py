"""Create the users table."""

# --8<-- [start:migration]
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "users",
        # BIGINT identity on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is
        # the rowid.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(),
            primary_key=True,
        ),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sqlite_autoincrement=True,  # never reuse the id of a deleted user
    )


def downgrade() -> None:
    op.drop_table("users")


# --8<-- [end:migration]
