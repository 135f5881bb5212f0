"""Alembic's environment for the failed-deploy incident: online and offline mode, the URL from
DB_URL (a SQLAlchemy URL), one transaction per migration as most projects configure it."""
import os

from alembic import context
from sqlalchemy import create_engine

URL = os.environ["DB_URL"]


def run_migrations_offline():
    context.configure(url=URL, literal_binds=True, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(URL)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
