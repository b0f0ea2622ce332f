"""Fine-tuned models have a visibility (private to their owner and admins, or public), and an eval
run records the key that started it (its samples ask the model as that key).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every model made before is private: its owner (or, made with no key, admins) shares it.
    with op.batch_alter_table("fine_tuning_jobs") as batch:
        batch.add_column(sa.Column("visibility", sa.String(16), nullable=False,
                                   server_default="private"))
    with op.batch_alter_table("fine_tuning_checkpoints") as batch:
        batch.add_column(sa.Column("visibility", sa.String(16), nullable=True))
    with op.batch_alter_table("eval_runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.create_index("ix_eval_runs_owner", ["owner"])
    # Runs made before were started by their eval's owner (only it or an admin could): a queued
    # one resumes as that key, not as the server.
    op.execute("UPDATE eval_runs SET owner = "
               "(SELECT evals.owner FROM evals WHERE evals.id = eval_runs.eval_id)")


def downgrade() -> None:
    with op.batch_alter_table("eval_runs") as batch:
        batch.drop_index("ix_eval_runs_owner")
        batch.drop_column("owner")
    with op.batch_alter_table("fine_tuning_checkpoints") as batch:
        batch.drop_column("visibility")
    with op.batch_alter_table("fine_tuning_jobs") as batch:
        batch.drop_column("visibility")
