-- report.row_warnings: rows that loaded but deserve a look (an unknown category loaded as
-- Lainnya, a masked full name, a Profil naming another village, ...).
create or replace view report.row_warnings as
select
    kode_desa, spreadsheet_key, tab, row_number, "column", value, reason, message
from core.warnings
where core.valid_at(valid_from, valid_to, core.as_of());
