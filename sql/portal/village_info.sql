-- One village of the scope (no row: not found, or not the user's to see).
select v.kode_desa, v.desa, v.kecamatan, v.kabupaten, v.provinsi, v.cohort, v.cohort_year,
    v.library_name, v.spreadsheet_key, q.last_synced_at, q.last_status, q.last_message,
    q.last_attempt_at, q.failures_in_a_row, q.rows_read, q.rows_loaded, q.rows_rejected, q.warnings
from report.villages v
left join p_quality q using (kode_desa)
where v.kode_desa = $kode_desa and starts_with(v.kode_desa, $prefix);
