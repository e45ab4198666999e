-- report.quarterly_province: one row per province and quarter: the village numbers of
-- report.quarterly_indicators summed over all registered villages (what Perpusnas and the
-- Gubernur ask).
-- A village counts as reported when it sent anything for the quarter, and as complete when it
-- sent all three months of Kunjungan and at least one Kegiatan (as report.reporting_completeness).
create or replace view report.quarterly_province as
with quarters as (
    select quarter, quarter_index, first_quarter_index from report_internal.base_quarters
),
villages as (
    select kode_desa, provinsi from core.villages
),
registered as (
    select provinsi, count(*) as villages from villages group by all
),
summed as (
    select
        f.quarter, v.provinsi,
        count(*) filter (f.has_data)                                        as villages_reported,
        count(*) filter (f.months_reported = 3 and f.activities >= 1)      as villages_complete,
        sum(f.months_reported)       as months_reported,       -- village-months of Kunjungan
        sum(f.visitors_male)         as visitors_male,
        sum(f.visitors_female)       as visitors_female,
        sum(f.visitors_total)        as visitors_total,
        sum(f.activities)            as activities,
        sum(f.participants_male)     as participants_male,
        sum(f.participants_female)   as participants_female,
        sum(f.participants_total)    as participants_total,
        sum(f.beneficiaries)         as beneficiaries,
        sum(f.visitors_total_prev_quarter) as visitors_total_prev_quarter,
        sum(f.visitors_total_prev_year)    as visitors_total_prev_year
    from report_internal.base_village_quarters f
    join villages v using (kode_desa)
    group by all
),
joined as (
    select
        q.quarter, r.provinsi, r.villages,
        coalesce(s.villages_reported, 0)::bigint   as villages_reported,
        coalesce(s.villages_complete, 0)::bigint   as villages_complete,
        coalesce(s.months_reported, 0)::bigint     as months_reported,
        coalesce(s.visitors_male, 0)::bigint       as visitors_male,
        coalesce(s.visitors_female, 0)::bigint     as visitors_female,
        coalesce(s.visitors_total, 0)::bigint      as visitors_total,
        coalesce(s.activities, 0)::bigint          as activities,
        coalesce(s.participants_male, 0)::bigint   as participants_male,
        coalesce(s.participants_female, 0)::bigint as participants_female,
        coalesce(s.participants_total, 0)::bigint  as participants_total,
        coalesce(s.beneficiaries, 0)::bigint       as beneficiaries,
        -- an earlier quarter before the first data is unknown (NULL), not zero
        case when q.quarter_index - 1 >= q.first_quarter_index
             then coalesce(s.visitors_total_prev_quarter, 0)::bigint end as visitors_total_prev_quarter,
        case when q.quarter_index - 4 >= q.first_quarter_index
             then coalesce(s.visitors_total_prev_year, 0)::bigint end    as visitors_total_prev_year
    from quarters q
    cross join registered r
    left join summed s on s.quarter = q.quarter and s.provinsi = r.provinsi
),
final as (
    select
        *,
        -- shares and changes are ratios (0.25 = 25 %), NULL when there is nothing to divide by
        participants_female / nullif(participants_total, 0) as participants_female_share,
        (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0)
                                                            as visitors_change_qoq,
        (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)
                                                            as visitors_change_yoy
    from joined
)
select * from final;
