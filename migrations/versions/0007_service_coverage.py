"""service coverage

Which measures each service reports, at which period types, from which month to which
(dashboard.coverage keeps it whenever figures are written): a page's first statement reads a
few rows of it instead of walking the service's figures. Filled here from the figures stored.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'service_coverage',
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('metric_id', sa.Integer(), nullable=False),
        sa.Column('period_type', sa.String(length=8), nullable=False),
        sa.Column('first_start', sa.Date(), nullable=False),
        sa.Column('last_start', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['metric_id'], ['metric.id']),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('service_id', 'metric_id', 'period_type'),
    )
    # Written out here (not imported from dashboard.coverage) so that this step stays as it was.
    op.execute(
        "INSERT INTO service_coverage (service_id, metric_id, period_type, first_start, "
        "last_start) SELECT p.service_id, p.metric_id, p.period_type, "
        "(SELECT MIN(o.period_start) FROM observation o WHERE o.service_id = p.service_id "
        "AND o.metric_id = p.metric_id AND o.period_type = p.period_type "
        "AND o.value IS NOT NULL), "
        "(SELECT MAX(o.period_start) FROM observation o WHERE o.service_id = p.service_id "
        "AND o.metric_id = p.metric_id AND o.period_type = p.period_type "
        "AND o.value IS NOT NULL) "
        "FROM (SELECT DISTINCT service_id, metric_id, period_type FROM observation "
        "WHERE value IS NOT NULL) p")


def downgrade() -> None:
    op.drop_table('service_coverage')
