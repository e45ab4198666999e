-- After writing the Validasi tab: our own write moved the sheet's Drive modifiedTime. Move the
-- modifiedTime change detection compares with to the one read just after the write, but only
-- if the one read just before it ($before) is still what the last sync saw: then nobody edited
-- the sheet since, and tomorrow's sync need not read it again. Otherwise a librarian edited it
-- after our read; keep the old value so the edit is read next night.
update core.sheet_state
set modified_time = $after
where spreadsheet_key = $spreadsheet_key
  and modified_time::timestamptz = $before::timestamptz
returning spreadsheet_key;
