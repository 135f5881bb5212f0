"""users, with two rows the application already wrote"""
import sqlalchemy as sa
from alembic import op

revision = "a1users"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.execute("INSERT INTO users (name) VALUES ('ann'), ('bob')")


def downgrade():
    op.drop_table("users")
