"""Fine-tuned models can be deleted: when the job's model and each checkpoint stopped being served.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fine_tuning_jobs") as batch:
        batch.add_column(sa.Column("model_deleted_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("fine_tuning_checkpoints") as batch:
        batch.add_column(sa.Column("deleted_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fine_tuning_checkpoints") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("fine_tuning_jobs") as batch:
        batch.drop_column("model_deleted_at")
