-- report_internal.extract_scopes: the scopes of the quarterly extract, one row each: the
-- province (kabupaten NULL) and each of its kabupaten/kota with a registered village. The
-- extract tables that show every scope, even one with nothing to count, start from it.
create or replace view report_internal.extract_scopes as
with villages as (
    select provinsi, kabupaten from core.villages
),
final as (
    select distinct provinsi, null::varchar as kabupaten from villages
    union all
    select distinct provinsi, kabupaten from villages
)
select * from final;
