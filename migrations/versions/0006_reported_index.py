"""reported figures index

A partial index of the figures that have a value, service first: a page's first statement
(queries.service_summary: which measures a service reports, at which period types, from
when to when) reads it alone, without visiting the table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_observation_reported', 'observation',
                    ['service_id', 'metric_id', 'period_type', 'period_start'], unique=False,
                    sqlite_where=sa.text('value IS NOT NULL'),
                    postgresql_where=sa.text('value IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_observation_reported', table_name='observation')
