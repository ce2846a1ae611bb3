"""data source created by batch

The import (or demo seed) that created a data source, so that undoing it removes the source
again. Sources stored before this step are credited to the first batch that names them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('data_source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_data_source_created_batch', 'import_batch',
                                    ['created_batch_id'], ['id'])
    op.execute(
        "UPDATE data_source SET created_batch_id = (SELECT MIN(b.id) FROM import_batch b "
        "WHERE b.source_id = data_source.id)")


def downgrade() -> None:
    with op.batch_alter_table('data_source', schema=None) as batch_op:
        batch_op.drop_constraint('fk_data_source_created_batch', type_='foreignkey')
        batch_op.drop_column('created_batch_id')
