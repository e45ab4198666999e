-- The follow-up list of one quarter: every village of the scope with its reporting status
-- and sync health; the page splits it into not reporting, incomplete, failing, rejections.
with villages as (
    select kode_desa, desa, kecamatan, kabupaten from core.villages where starts_with(kode_desa, $prefix)
),
reported as (
    select kode_desa, months_reported, activities
    from p_village_quarters
    where quarter_index = $quarter_index and starts_with(kode_desa, $prefix)
),
final as (
    select v.kode_desa, v.desa, v.kecamatan, v.kabupaten,
        coalesce(r.months_reported, 0) as months_reported,
        coalesce(r.activities, 0)      as activities,
        r.kode_desa is not null        as reported,
        coalesce(q.rejected_rows, 0)   as rows_rejected,
        coalesce(q.rejected_by_reason, '') as rejected_by_reason,
        q.last_status, q.last_message, coalesce(q.failures_in_a_row, 0) as failures_in_a_row,
        q.last_synced_at
    from villages v
    left join reported r using (kode_desa)
    left join p_quality q using (kode_desa)
)
select * from final
order by kode_desa;
