-- The follow-up lists of one quarter over the scope's villages, at most $limit rows each,
-- with each list's full length: not reporting, incomplete, failing to sync, most rejections.
with villages as (
    select kode_desa, desa, kecamatan, kabupaten from core.villages where starts_with(kode_desa, $prefix)
),
reported as (
    select kode_desa, months_reported, activities
    from p_village_quarters
    where quarter_index = $quarter_index and starts_with(kode_desa, $prefix)
),
joined as (
    select v.kode_desa, v.desa, v.kecamatan, v.kabupaten,
        coalesce(r.months_reported, 0)     as months_reported,
        coalesce(r.activities, 0)          as activities,
        r.kode_desa is not null            as reported,
        coalesce(q.rejected_rows, 0)       as rows_rejected,
        coalesce(q.rejected_by_reason, '') as rejected_by_reason,
        q.last_status, q.last_message, coalesce(q.failures_in_a_row, 0) as failures_in_a_row,
        q.last_synced_at
    from villages v
    left join reported r using (kode_desa)
    left join p_quality q using (kode_desa)
),
listed as (
    select 'not_reporting' as list, 0 as rank_key, * from joined where not reported
    union all
    select 'incomplete', 0, * from joined where reported and (months_reported < 3 or activities < 1)
    union all
    select 'failing', -failures_in_a_row, * from joined where last_status = 'failed'
    union all
    select 'rejections', -rows_rejected, * from joined where rows_rejected > 0
),
final as (
    select *,
        count(*) over (partition by list)                                   as list_count,
        row_number() over (partition by list order by rank_key, kode_desa)  as n
    from listed
)
select * exclude (rank_key, n)
from final
where n <= $limit
order by list, n;
