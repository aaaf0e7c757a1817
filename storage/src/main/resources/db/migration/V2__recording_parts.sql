-- A recording that moves to another slot after a fault stays one catalog entry with its parts in order: the
-- first part is the recording itself (parent_id null, part 1); each later part is an ordinary recording (its own
-- id, media and status) whose parent_id names the first. Runs unchanged on H2 2.x and PostgreSQL 15+.

alter table recording add column parent_id varchar(64);
alter table recording add column part int not null default 1;

-- Parts hang below a top-level recording only, and go with it.
alter table recording add constraint recording_parent_fk
    foreign key (parent_id) references recording (id) on delete cascade;
alter table recording add constraint recording_part_check
    check ((parent_id is null and part = 1) or (parent_id is not null and part >= 2));
-- One part n per recording, even when two schedulers file it at once. Its index (parent_id first) also serves
-- the lookups of a recording's parts.
alter table recording add constraint recording_part_unique unique (parent_id, part);
