-- What a recording lost, and the frame rate it delivered (issue 15). Runs unchanged on H2 2.x and PostgreSQL 15+.
-- lost_ms and loss_cause go together: set for a PARTIAL recording (and a FAILED one when the time it was on is
-- known), null for a READY one. loss_cause holds LossCause's wire names.

alter table recording add column lost_ms bigint;
alter table recording add column loss_cause varchar(32);
alter table recording add column delivered_fps double precision;

alter table recording add constraint recording_loss_check
    check ((lost_ms is null and loss_cause is null)
           or (lost_ms is not null and lost_ms >= 0 and loss_cause is not null));
alter table recording add constraint recording_loss_cause_check
    check (loss_cause in ('encoder-died', 'encoder-killed-at-stop', 'recorder-failed', 'node-lost',
                          'recorder-restarted', 'store-failed', 'short-file'));
alter table recording add constraint recording_delivered_fps_check check (delivered_fps >= 0);
