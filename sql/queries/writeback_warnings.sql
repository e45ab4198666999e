-- The warnings of one spreadsheet ($spreadsheet_key), as its Validasi tab lists them: rows that
-- loaded but deserve a look (report.row_warnings), in template tab order ($tabs).
select tab, row_number, "column", value, message
from report.row_warnings
where spreadsheet_key = $spreadsheet_key
order by coalesce(list_position($tabs, tab), 99), tab, row_number, "column", value, message;
