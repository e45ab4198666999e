-- Rows read, accepted (loaded) and rejected per tab of one spreadsheet ($spreadsheet_key),
-- from its latest sync, in template tab order ($tabs).
select tab, rows_read, rows_loaded, rows_rejected
from core.tab_counts
where spreadsheet_key = $spreadsheet_key
  and core.valid_at(valid_from, valid_to, core.as_of())
order by coalesce(list_position($tabs, tab), 99), tab;
