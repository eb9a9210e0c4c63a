"""Course operations: course time zone and counting policy, exercise schedules (UTC), per-student
extensions, regrades with the past results they replaced, and a queue priority per submission
(live submissions before regrades).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'exercise_id')
    )
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extensions_exercise_id'), ['exercise_id'], unique=False)

    op.create_table('regrades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('keep_higher', sa.Boolean(), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('regrades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regrades_course_id'), ['course_id'], unique=False)

    op.create_table('past_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('regrade_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('tests', sa.JSON(), nullable=True),
    sa.Column('graded_at', sa.DateTime(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['regrade_id'], ['regrades.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['exercise_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('past_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_past_results_regrade_id'), ['regrade_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_past_results_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('policy', sa.String(length=8), server_default='best', nullable=False))

    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('late_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('late_penalty', sa.Float(), server_default='0', nullable=False))

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('score_floor', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('regrade_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_submissions_status_priority_id', ['status', 'priority', 'id'], unique=False)
        batch_op.create_foreign_key('fk_submissions_regrade_id', 'regrades', ['regrade_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submissions_regrade_id', type_='foreignkey')
        batch_op.drop_index('ix_submissions_status_priority_id')
        batch_op.drop_column('regrade_id')
        batch_op.drop_column('score_floor')
        batch_op.drop_column('priority')

    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('late_penalty')
        batch_op.drop_column('late_until')
        batch_op.drop_column('due_at')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('policy')
        batch_op.drop_column('timezone')

    with op.batch_alter_table('past_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_past_results_submission_id'))
        batch_op.drop_index(batch_op.f('ix_past_results_regrade_id'))

    op.drop_table('past_results')
    with op.batch_alter_table('regrades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regrades_course_id'))

    op.drop_table('regrades')
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extensions_exercise_id'))

    op.drop_table('extensions')
