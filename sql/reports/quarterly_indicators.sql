-- report.quarterly_indicators: one row per registered village and quarter, from the first
-- quarter anybody reported to the last. A village that sent nothing in a quarter still has
-- its row, with months_reported = 0 and zero counts: "did not report" must be visible.
create or replace view report.quarterly_indicators as
with visits as (
    select
        kode_desa,
        year(month)::varchar || 'Q' || quarter(month)::varchar as quarter,
        count(distinct month)  as months_reported,
        sum(visitors_male)::bigint     as visitors_male,
        sum(visitors_female)::bigint   as visitors_female
    from report.monthly_visits
    group by all
),
activities as (
    select
        kode_desa, quarter,
        count(*)                 as activities,
        sum(participants_male)::bigint   as participants_male,
        sum(participants_female)::bigint as participants_female
    from report.activities
    group by all
),
benefits as (
    select kode_desa, quarter, count(*) as beneficiaries    -- people listed in Dampak
    from report.benefits
    group by all
),
bounds as (
    select min(d) as first_day, max(d) as last_day from (
        select month as d from report.monthly_visits
        union all select activity_date from report.activities
        union all select month from report.benefits
    )
),
quarters as (
    select distinct year(q)::varchar || 'Q' || quarter(q)::varchar as quarter
    from bounds, generate_series(date_trunc('quarter', first_day), last_day, interval 3 month) as s(q)
),
grid as (
    select v.kode_desa, v.desa, v.kecamatan, v.kabupaten, v.cohort, q.quarter
    from core.villages v cross join quarters q
),
final as (
    select
        g.quarter, g.kabupaten, g.kecamatan, g.kode_desa, g.desa, g.cohort,
        coalesce(vi.months_reported, 0)       as months_reported,
        coalesce(vi.visitors_male, 0)         as visitors_male,
        coalesce(vi.visitors_female, 0)       as visitors_female,
        coalesce(vi.visitors_male + vi.visitors_female, 0) as visitors_total,
        coalesce(a.activities, 0)             as activities,
        coalesce(a.participants_male, 0)      as participants_male,
        coalesce(a.participants_female, 0)    as participants_female,
        coalesce(a.participants_male + a.participants_female, 0) as participants_total,
        coalesce(b.beneficiaries, 0)          as beneficiaries
    from grid g
    left join visits vi using (kode_desa, quarter)
    left join activities a using (kode_desa, quarter)
    left join benefits b using (kode_desa, quarter)
)
select * from final;
