-- report.villages: one row per registered village library.
create or replace view report.villages as
with profile as (
    select kode_desa, library_name
    from core.profile
    where core.valid_at(valid_from, valid_to, core.as_of())
),
synced as (
    select kode_desa, max(synced_at) as last_synced_at
    from core.sheet_state
    group by kode_desa
),
final as (
    select
        v.kode_desa, v.desa, v.kecamatan, v.kabupaten, v.provinsi,
        v.cohort, v.cohort_year,
        p.library_name,
        s.last_synced_at,
        v.spreadsheet_key
    from core.villages v
    left join profile p using (kode_desa)
    left join synced s using (kode_desa)
)
select * from final;
