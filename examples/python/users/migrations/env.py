"""Alembic's entry point.

Runs the migrations on the connection that database.migrate() passes in.
"""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
