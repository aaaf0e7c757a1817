-- The recording catalog. Runs unchanged on H2 2.x (default mode) and PostgreSQL 15+:
-- keep to types and syntax that both accept (plain varchar is unlimited on both).

create table recording (
    id             varchar(64)               not null,
    room           varchar(1024),                        -- room name or JID; null when unknown
    meeting_url    varchar(4096)             not null,
    session_id     varchar(256),                         -- Jicofo's session id
    mode           varchar(16)               not null,
    status         varchar(16)               not null,
    status_detail  varchar(2048),                        -- why FAILED or PARTIAL, or the upload's progress
    started_at     timestamp with time zone  not null,
    ended_at       timestamp with time zone,
    duration_ms    bigint,
    size_bytes     bigint,
    checksum       varchar(128),                         -- SHA-256 of the media object, hex
    location       varchar(2048),                        -- where the media object is (store)
    media_key      varchar(1024),
    thumbnail_key  varchar(1024),
    participants   varchar                   not null default '[]',  -- JSON array
    app_data       varchar                   not null default '{}',  -- JSON object
    created_at     timestamp with time zone  not null,
    updated_at     timestamp with time zone  not null,
    version        bigint                    not null default 0,      -- optimistic lock
    constraint recording_pk primary key (id),
    constraint recording_mode_check check (mode in ('FILE', 'STREAM')),
    constraint recording_status_check check (status in ('RECORDING', 'UPLOADING', 'READY', 'FAILED', 'PARTIAL'))
);

create index recording_started_at_idx on recording (started_at);
create index recording_room_started_at_idx on recording (room, started_at);
create index recording_status_idx on recording (status);
