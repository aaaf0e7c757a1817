-- Pause and resume (issue 18): each pause of a recording, as a JSON array as text (when it paused and resumed, and
-- where in the file), so that a finished recording's timeline still shows them; null for one never paused. Runs
-- unchanged on H2 2.x and PostgreSQL 15+.

alter table recording add column pauses varchar;
