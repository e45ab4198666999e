-- One row per core table that holds a current version of any village of this batch
-- (stage_villages); load_batch joins this select, once per table in HISTORIED, with
-- `union all`. A table named here is replaced with replace_current.sql, any other one
-- takes the cheaper first load (insert_first.sql).
select '{table}' as table_name
where exists (
    select 1 from core.{table}
    where valid_to is null and kode_desa in (select kode_desa from stage_villages)
)
