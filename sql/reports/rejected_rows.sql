-- report.rejected_rows: one row per problem that kept an input row from loading, from the
-- latest sync of each spreadsheet. A row with two problems has two lines.
create or replace view report.rejected_rows as
select
    kode_desa, spreadsheet_key, tab, row_number, "column", value, reason, message
from core.rejections
where core.valid_at(valid_from, valid_to, core.as_of());
