-- Scheduler leases: every scheduler renews its own row while it runs. One whose lease has expired is gone, and
-- another scheduler adopts its unfinished sessions (a conditional update of session.owner). Both times are the
-- database's own clock, so the hosts' clocks need not agree. Runs unchanged on H2 2.x and PostgreSQL 15+.

create table scheduler_lease (
    instance    varchar(256)              not null,  -- capstan.instance-name, as in session.owner
    renewed_at  timestamp with time zone  not null,
    expires_at  timestamp with time zone  not null,  -- renewed_at plus the lease term of that scheduler
    constraint scheduler_lease_pk primary key (instance)
);
