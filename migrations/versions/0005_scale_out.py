"""Scale-out on a broker: each version's snapshot files are stored in the database (worker
machines share no files with the web), and a submission remembers when its broker message was
last sent (the sweep re-sends rows whose message was lost).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exercise_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['exercise_versions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('version_id', 'path'))
    op.create_index('ix_exercise_files_version_id', 'exercise_files', ['version_id'])
    op.add_column('submissions', sa.Column('dispatched_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('dispatched_at')
    op.drop_index('ix_exercise_files_version_id', table_name='exercise_files')
    op.drop_table('exercise_files')
