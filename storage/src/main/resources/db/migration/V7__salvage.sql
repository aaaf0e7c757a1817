-- A salvage in progress (issue 16): why a scheduler is salvaging a recording whose node vanished, null while none
-- is. It was kept in status_detail as 'salvaging: <reason>' and parsed back; the column is the claim itself, and
-- status_detail only shows it. Runs unchanged on H2 2.x and PostgreSQL 15+.

alter table recording add column salvage_reason varchar(2048);

-- A salvage that was running when this version was installed keeps its claim.
update recording set salvage_reason = substring(status_detail from 12)
    where status = 'UPLOADING' and status_detail like 'salvaging: %';

-- Taking a recording over makes it UPLOADING, and settling it (any other status) ends the salvage.
alter table recording add constraint recording_salvage_check check (salvage_reason is null or status = 'UPLOADING');
