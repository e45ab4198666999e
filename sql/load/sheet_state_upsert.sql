-- Remember what the last successful sync of each spreadsheet saw.
insert or replace into core.sheet_state (spreadsheet_key, kode_desa, modified_time, content_hash, synced_at)
select spreadsheet_key, kode_desa, modified_time, content_hash, $now
from stage_state;
