-- Record one write-back attempt.
insert into core.writebacks (
    run_id, kode_desa, spreadsheet_key, status, reason, message, rows_rejected,
    sheets_reads, sheets_writes, modified_before, modified_after, state_advanced, written_at)
values (
    $run_id, $kode_desa, $spreadsheet_key, $status, $reason, $message, $rows_rejected,
    $sheets_reads, $sheets_writes, $modified_before, $modified_after, $state_advanced, $written_at);
