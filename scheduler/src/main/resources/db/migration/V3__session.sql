-- Sessions: one row per recording or stream however it was started, with its life-cycle state and placement, so
-- that a restarted scheduler picks its sessions up again and schedulers sharing one database see the same ones.
-- Runs unchanged on H2 2.x and PostgreSQL 15+ (plain varchar is unlimited on both).

create table session (
    recording_id  varchar(64)               not null,
    origin        varchar(1024)             not null,  -- who asked: rest, jibri-http, xmpp:<env>/<host>/<occupant>
    session_id    varchar(256),                        -- the requester's own id (Jicofo's session_id)
    mode          varchar(16)               not null,  -- file, stream or both
    meeting       varchar(4096)             not null,
    metadata      varchar                   not null default '{}',  -- JSON object: the requester's own data
    requested_at  timestamp with time zone  not null,
    state         varchar(16)               not null,
    state_since   timestamp with time zone  not null,
    state_detail  varchar(4096),                       -- why failed, or how it ended (finalizing)
    retryable     boolean                   not null default false,
    node          varchar(256)              not null,  -- 'local': the owner's embedded node; '' before placement
    part          integer                   not null default 1,
    part_id       varchar(64)               not null,  -- the catalog recording of the current part
    plan          varchar,                             -- JSON: what another scheduler needs to place it again
    owner         varchar(256)              not null,  -- the scheduler instance that drives it
    updated_at    timestamp with time zone  not null,
    version       bigint                    not null default 0,  -- optimistic lock: every move checks and bumps it
    constraint session_pk primary key (recording_id),
    constraint session_state_check check (state in
        ('requested', 'starting', 'pending', 'on', 'stopping', 'finalizing', 'done', 'failed')),
    constraint session_part_check check (part >= 1)
);

create index session_state_idx on session (state);
-- A restarted scheduler's unfinished sessions.
create index session_owner_idx on session (owner);
-- The list of ended sessions, newest first.
create index session_state_since_idx on session (state_since);
