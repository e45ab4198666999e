-- report.cohort_monthly: one row per month, kabupaten and cohort (kelompok), to compare the
-- replication cohorts per library per month. "Per library" divides by the libraries of that
-- cohort that sent a Kunjungan row for the month (libraries_reported), so a cohort is not
-- made to look weaker by libraries that did not send their sheet.
create or replace view report.cohort_monthly as
with villages as (
    select kode_desa, provinsi, kabupaten, cohort from core.villages
),
visits as (
    select v.provinsi, v.kabupaten, v.cohort, c.month,
        report.quarter_label(report.quarter_index(c.month)) as quarter,
        c.kode_desa, c.visitors_male, c.visitors_female
    from core.visits c
    join villages v using (kode_desa)
    where core.valid_at(c.valid_from, c.valid_to, core.as_of())
),
activities as (
    select v.provinsi, v.kabupaten, v.cohort, date_trunc('month', c.activity_date)::date as month,
        report.quarter_label(report.quarter_index(c.activity_date)) as quarter,
        c.participants_male + c.participants_female as participants_total
    from core.activities c
    join villages v using (kode_desa)
    where core.valid_at(c.valid_from, c.valid_to, core.as_of())
),
benefits as (
    select v.provinsi, v.kabupaten, v.cohort, c.month,
        report.quarter_label(report.quarter_index(c.month)) as quarter
    from core.benefits c
    join villages v using (kode_desa)
    where core.valid_at(c.valid_from, c.valid_to, core.as_of())
),
summed as (
    -- the quarter is a grouping key so that a filter on it reaches the scans
    select provinsi, kabupaten, cohort, quarter, month,
        count(*) as libraries_reported,                -- one Kunjungan row per library and month
        sum(visitors_male) as visitors_male, sum(visitors_female) as visitors_female,
        0 as activities, 0 as participants_total, 0 as beneficiaries
    from visits group by all
    union all
    select provinsi, kabupaten, cohort, quarter, month, 0, 0, 0, count(*), sum(participants_total), 0
    from activities group by all
    union all
    select provinsi, kabupaten, cohort, quarter, month, 0, 0, 0, 0, 0, count(*)
    from benefits group by all
),
counted as (
    select provinsi, kabupaten, cohort, quarter, month,
        sum(libraries_reported)  as libraries_reported,
        sum(visitors_male)       as visitors_male,
        sum(visitors_female)     as visitors_female,
        sum(activities)          as activities,
        sum(participants_total)  as participants_total,
        sum(beneficiaries)       as beneficiaries
    from summed
    group by all
),
libraries as (
    select provinsi, kabupaten, cohort, count(*) as libraries from villages group by all
),
months as (
    -- every month of the reporting grid, so a month a cohort sent nothing shows as zero
    select quarter, (quarter_start + to_months(i))::date as month
    from report_internal.base_quarters, range(3) as r(i)
),
final as (
    select
        m.month, m.quarter, l.provinsi, l.kabupaten, l.cohort,
        l.libraries,
        coalesce(c.libraries_reported, 0)::bigint as libraries_reported,
        coalesce(c.visitors_male, 0)::bigint      as visitors_male,
        coalesce(c.visitors_female, 0)::bigint    as visitors_female,
        coalesce(c.visitors_male + c.visitors_female, 0)::bigint as visitors_total,
        coalesce(c.activities, 0)::bigint         as activities,
        coalesce(c.participants_total, 0)::bigint as participants_total,
        coalesce(c.beneficiaries, 0)::bigint      as beneficiaries,
        -- averages per library that reported that month; NULL when none did
        (c.visitors_male + c.visitors_female) / nullif(c.libraries_reported, 0) as visitors_per_library,
        c.activities / nullif(c.libraries_reported, 0)          as activities_per_library,
        c.participants_total / nullif(c.libraries_reported, 0)  as participants_per_library,
        c.beneficiaries / nullif(c.libraries_reported, 0)       as beneficiaries_per_library
    from libraries l
    cross join months m
    left join counted c
        on c.provinsi = l.provinsi and c.kabupaten = l.kabupaten and c.cohort = l.cohort
        and c.quarter = m.quarter and c.month = m.month
)
select * from final;
