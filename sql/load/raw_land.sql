-- Land fetched workbooks: the fetch log always, each distinct payload once.
insert into raw.fetches by name
select run_id, run_started_at, spreadsheet_key, kode_desa, fetched_at, modified_time, content_hash, sheets_reads
from stage_fetches;

-- $landed: the chunk's payload hashes already in raw.payloads (a sheet back to an earlier
-- content, two villages' identical sheets), found by landed_payloads.sql through the primary
-- key's index; a `not exists` against raw.payloads here scanned every landed hash per chunk.
insert into raw.payloads by name
select distinct on (content_hash) content_hash, spreadsheet_key, payload
from stage_fetches s
where payload is not null
  and not list_contains($landed::varchar[], content_hash);
