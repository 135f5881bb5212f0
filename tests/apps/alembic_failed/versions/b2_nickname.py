"""users.nickname, required: fails on the rows that have none (the deploy's bug)"""
import sqlalchemy as sa
from alembic import op

revision = "b2nickname"
down_revision = "a1users"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
    op.create_index("ix_users_nickname", "users", ["nickname"])
    # FIX: fill the nicknames here (the release that fixes the deploy adds this line)
    op.alter_column("users", "nickname", existing_type=sa.String(50), nullable=False)


def downgrade():
    op.drop_index("ix_users_nickname", table_name="users")
    op.drop_column("users", "nickname")
