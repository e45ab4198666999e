-- One village's rejected rows from its latest sync, with the Indonesian message.
select tab, row_number, "column", value, reason, message
from report.rejected_rows
where kode_desa = $kode_desa and starts_with(kode_desa, $prefix)
order by tab, row_number, "column";
