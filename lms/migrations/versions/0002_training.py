"""learning, certificates, cohorts, audit, settings

Revision ID: 0002_training
Revises: 0001_accounts
Create Date: 2026-11-21 07:46:39.653614
"""
from alembic import op
import sqlalchemy as sa

import lms.core.models


revision = '0002_training'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_audit_log_target_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_target_user_id'), ['target_user_id'], unique=False)

    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cohorts_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts'))
    )
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('started_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_step_id', sa.String(length=100), nullable=True),
    sa.Column('last_active_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_version', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enrolments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('user_id', 'course_id', 'cycle', name='uq_enrolments_user_course_cycle')
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_user_id'), ['user_id'], unique=False)

    op.create_table('reflection_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('step_id', sa.String(length=100), nullable=False),
    sa.Column('reflection_id', sa.String(length=150), nullable=False),
    sa.Column('prompt_text', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reflection_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_entries')),
    sa.UniqueConstraint('user_id', 'course_id', 'reflection_id', name='uq_reflection_entries_key')
    )
    with op.batch_alter_table('reflection_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_entries_user_id'), ['user_id'], unique=False)

    op.create_table('site_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )
    op.create_table('assessment_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=100), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('score_percent', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_assessment_attempts_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_attempts')),
    sa.UniqueConstraint('enrolment_id', 'step_id', 'number', name='uq_assessment_attempts_number')
    )
    with op.batch_alter_table('assessment_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_attempts_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('course_title', sa.String(length=300), nullable=False),
    sa.Column('course_version', sa.String(length=64), nullable=False),
    sa.Column('certificate_title', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('assessed_how', sa.Text(), nullable=False),
    sa.Column('signatory', sa.String(length=300), nullable=False),
    sa.Column('issuer_name', sa.String(length=300), nullable=False),
    sa.Column('issuer_number', sa.String(length=100), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('issued_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('requested_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_certificates_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_certificates_enrolment_id_enrolments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['certificates.id'], name=op.f('fk_certificates_replaced_by_id_certificates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_certificates_enrolment_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_user_id'), ['user_id'], unique=False)

    op.create_table('cohort_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('assigned_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_courses_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_courses')),
    sa.UniqueConstraint('cohort_id', 'course_id', name='uq_cohort_courses_pair')
    )
    with op.batch_alter_table('cohort_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_courses_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('cohort_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_members_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_members')),
    sa.UniqueConstraint('cohort_id', 'user_id', name='uq_cohort_members_pair')
    )
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_members_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_members_user_id'), ['user_id'], unique=False)

    op.create_table('cohort_trainers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_trainers_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_trainers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_trainers')),
    sa.UniqueConstraint('cohort_id', 'user_id', name='uq_cohort_trainers_pair')
    )
    with op.batch_alter_table('cohort_trainers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_trainers_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_trainers_user_id'), ['user_id'], unique=False)

    op.create_table('question_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=100), nullable=False),
    sa.Column('question_id', sa.String(length=150), nullable=False),
    sa.Column('selected', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('first_correct_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_question_answers_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_answers')),
    sa.UniqueConstraint('enrolment_id', 'question_id', name='uq_question_answers_enrolment_question')
    )
    with op.batch_alter_table('question_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_answers_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('scenario_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.String(length=100), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.String(length=100), nullable=True),
    sa.Column('current_node', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('crossed_red_line', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('started_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_active_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_scenario_runs_enrolment_id_enrolments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scenario_runs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_runs'))
    )
    with op.batch_alter_table('scenario_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_runs_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scenario_runs_scenario_id'), ['scenario_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scenario_runs_user_id'), ['user_id'], unique=False)

    op.create_table('step_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=100), nullable=False),
    sa.Column('first_seen_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_step_progress_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_progress')),
    sa.UniqueConstraint('enrolment_id', 'step_id', name='uq_step_progress_enrolment_step')
    )
    with op.batch_alter_table('step_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_progress_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('run_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.String(length=100), nullable=False),
    sa.Column('choice_index', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('red_line', sa.Boolean(), nullable=False),
    sa.Column('chosen_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['scenario_runs.id'], name=op.f('fk_run_choices_run_id_scenario_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_choices')),
    sa.UniqueConstraint('run_id', 'position', name='uq_run_choices_run_position')
    )
    with op.batch_alter_table('run_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_choices_run_id'), ['run_id'], unique=False)

    op.create_table('wellbeing_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('feeling', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['scenario_runs.id'], name=op.f('fk_wellbeing_checkins_run_id_scenario_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wellbeing_checkins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wellbeing_checkins'))
    )
    with op.batch_alter_table('wellbeing_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wellbeing_checkins_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cohort_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invites_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invites_cohort_id_cohorts'), 'cohorts', ['cohort_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invites_cohort_id_cohorts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invites_cohort_id'))
        batch_op.drop_column('cohort_id')

    with op.batch_alter_table('wellbeing_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wellbeing_checkins_user_id'))

    op.drop_table('wellbeing_checkins')
    with op.batch_alter_table('run_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_choices_run_id'))

    op.drop_table('run_choices')
    with op.batch_alter_table('step_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_progress_enrolment_id'))

    op.drop_table('step_progress')
    with op.batch_alter_table('scenario_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_runs_user_id'))
        batch_op.drop_index(batch_op.f('ix_scenario_runs_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_scenario_runs_enrolment_id'))

    op.drop_table('scenario_runs')
    with op.batch_alter_table('question_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_answers_enrolment_id'))

    op.drop_table('question_answers')
    with op.batch_alter_table('cohort_trainers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_trainers_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_trainers_cohort_id'))

    op.drop_table('cohort_trainers')
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_members_cohort_id'))

    op.drop_table('cohort_members')
    with op.batch_alter_table('cohort_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_courses_cohort_id'))

    op.drop_table('cohort_courses')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_course_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('assessment_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_attempts_enrolment_id'))

    op.drop_table('assessment_attempts')
    op.drop_table('site_settings')
    with op.batch_alter_table('reflection_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_entries_user_id'))

    op.drop_table('reflection_entries')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_course_id'))

    op.drop_table('enrolments')
    op.drop_table('cohorts')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_target_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))

    op.drop_table('audit_log')
