-- Empty the loaded tables before `tpbis replay` rebuilds them from raw (in one transaction
-- with the rebuild: a failed replay leaves the warehouse as it was).
delete from core.profile;
delete from core.visits;
delete from core.activities;
delete from core.partners;
delete from core.benefits;
delete from core.rejections;
delete from core.warnings;
delete from core.tab_counts;
delete from core.sheet_state;
