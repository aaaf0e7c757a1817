-- Pause and resume (issue 18): a session may be 'paused', and a paused session keeps where the recording's media
-- stands (its resumed capture continues there), so that its resume is announced with it. Runs unchanged on H2 2.x
-- and PostgreSQL 15+.

alter table session drop constraint session_state_check;
alter table session add constraint session_state_check check (state in
    ('requested', 'starting', 'pending', 'on', 'paused', 'stopping', 'finalizing', 'done', 'failed'));
alter table session add column paused_position_ms bigint;
