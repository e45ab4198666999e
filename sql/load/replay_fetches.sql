-- Every landed fetch, oldest run first, with its cells: what `tpbis replay` feeds back
-- through the transforms.
select
    f.run_id, f.run_started_at, f.spreadsheet_key, f.kode_desa, f.fetched_at,
    f.modified_time, f.content_hash, f.sheets_reads, p.payload,
    v.desa, v.kecamatan, v.kabupaten, v.provinsi
from raw.fetches f
join raw.payloads p using (content_hash)
left join core.villages v on v.kode_desa = f.kode_desa
order by f.run_started_at, f.run_id, f.fetched_at, f.spreadsheet_key;
