-- Idempotency keys of REST starts (Idempotency-Key header), shared by every scheduler on one database.
-- Inserted before a recording starts: the primary key lets exactly one request per (principal, key) start it.
-- Runs unchanged on H2 2.x and PostgreSQL 15+.

create table idempotency_key (
    principal     varchar(255)              not null,   -- who asked: api-key-<n>, or anonymous without keys
    idem_key      varchar(255)              not null,   -- the header's value (printable ASCII)
    request_hash  varchar(64)               not null,   -- SHA-256 of the canonical request body, hex
    recording_id  varchar(64),                          -- null until the recording has started
    created_at    timestamp with time zone  not null,
    constraint idempotency_key_pk primary key (principal, idem_key)
);

create index idempotency_key_created_at_idx on idempotency_key (created_at);
