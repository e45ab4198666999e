-- Land fetched workbooks: the fetch log always, each distinct payload once.
insert into raw.fetches by name
select run_id, run_started_at, spreadsheet_key, kode_desa, fetched_at, modified_time, content_hash, sheets_reads
from stage_fetches;

insert into raw.payloads by name
select distinct on (content_hash) content_hash, spreadsheet_key, payload
from stage_fetches s
where payload is not null
  and not exists (select 1 from raw.payloads p where p.content_hash = s.content_hash);
