-- The rejected rows of one spreadsheet ($spreadsheet_key), as its Validasi tab lists them:
-- exactly report.rejected_rows, in template tab order ($tabs), then by row and column.
select tab, row_number, "column", value, message
from report.rejected_rows
where spreadsheet_key = $spreadsheet_key
order by coalesce(list_position($tabs, tab), 99), tab, row_number, "column", value, message;
