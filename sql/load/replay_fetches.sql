-- Every landed fetch whose cells are stored, oldest run first: what `tpbis replay` feeds
-- back through the transforms (the cells themselves are read a chunk at a time,
-- replay_payloads.sql, so a big warehouse is never held in memory at once).
select
    f.run_id, f.run_started_at, f.spreadsheet_key, f.kode_desa, f.fetched_at,
    f.modified_time, f.content_hash, f.sheets_reads,
    v.desa, v.kecamatan, v.kabupaten, v.provinsi
from raw.fetches f
semi join raw.payloads p using (content_hash)
left join core.villages v on v.kode_desa = f.kode_desa
order by f.run_started_at, f.run_id, f.fetched_at, f.spreadsheet_key;
