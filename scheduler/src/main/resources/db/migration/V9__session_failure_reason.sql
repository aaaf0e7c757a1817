-- A failed session's reason by its stable wire name (page-unreachable, node-lost, …), beside its detail in
-- state_detail, so that a stored failure is read back typed rather than parsed from its text. Rows from before
-- keep the whole text in state_detail and no reason. Runs unchanged on H2 2.x and PostgreSQL 15+.

alter table session add column failure_reason varchar(32);
