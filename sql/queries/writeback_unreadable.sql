-- Villages of this run ($run_id) whose sheet was fetched but could not be read at all (no
-- header matched): their Validasi tab says why. Not 403/404: nothing can be written there.
select vr.kode_desa, vr.spreadsheet_key, vr.message, max(f.fetched_at) as checked_at
from core.village_runs vr
left join raw.fetches f on f.spreadsheet_key = vr.spreadsheet_key and f.run_id = vr.run_id
where vr.run_id = $run_id
  and vr.status = 'failed'
  and vr.reason = 'unreadable_sheet'
  and vr.spreadsheet_key is not null
group by all
order by vr.kode_desa;
