-- One row per quarter asked for ($quarter_indices: the chosen quarter, the one before and
-- the same quarter a year before), totals over the scope's villages.
with asked as (
    select unnest($quarter_indices) as quarter_index
),
registered as (
    select count(*) as villages from core.villages where starts_with(kode_desa, $prefix)
),
scoped as (
    select * from p_village_quarters
    where starts_with(kode_desa, $prefix) and list_contains($quarter_indices, quarter_index)
),
final as (
    select
        a.quarter_index,
        report.quarter_label(a.quarter_index)                                       as quarter,
        any_value(r.villages)                                                        as villages_registered,
        count(s.kode_desa)                                                           as villages_reporting,  -- sent anything
        count(s.kode_desa) filter (s.months_reported = 3 and s.activities >= 1)      as villages_complete,
        coalesce(sum(s.visitors_male), 0)::bigint                                    as visitors_male,
        coalesce(sum(s.visitors_female), 0)::bigint                                  as visitors_female,
        coalesce(sum(s.activities), 0)::bigint                                       as activities,
        coalesce(sum(s.participants_male), 0)::bigint                                as participants_male,
        coalesce(sum(s.participants_female), 0)::bigint                              as participants_female,
        coalesce(sum(s.beneficiaries), 0)::bigint                                    as beneficiaries
    from asked a
    cross join registered r
    left join scoped s on s.quarter_index = a.quarter_index
    group by a.quarter_index
)
select * from final
order by quarter_index desc;
