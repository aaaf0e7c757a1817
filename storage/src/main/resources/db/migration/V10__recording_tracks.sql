-- Each speaker's sound in files of their own (issue 17): the recorder's speaker-tracks manifest as it was filed,
-- a JSON object as text (capture, detail, speakers with their parts and spans, timeline); null for a recording
-- that was not asked for them. Runs unchanged on H2 2.x and PostgreSQL 15+.

alter table recording add column tracks varchar;
