-- Extract table "Ringkasan": one row per scope of the quarterly extract for quarter $quarter:
-- the province (kabupaten NULL) and each kabupaten/kota. Sums over registered villages, so a
-- village that did not report still counts in `villages` and in `villages_not_reported`.
with villages as (
    select kode_desa, provinsi, kabupaten from report.villages
),
facts as (
    select * from report_internal.base_village_quarters where quarter = $quarter
),
quarter_info as (
    -- earlier quarters before the first data are unknown (NULL), not zero (as report.visits_change)
    select
        report.quarter_index(make_date(left($quarter, 4)::int, right($quarter, 1)::int * 3 - 2, 1)) - 1
            >= min(first_quarter_index) as has_prev_quarter,
        report.quarter_index(make_date(left($quarter, 4)::int, right($quarter, 1)::int * 3 - 2, 1)) - 4
            >= min(first_quarter_index) as has_prev_year
    from report_internal.base_quarters
),
partners as (
    select kode_desa, partners, partners_with_mou from report.partners_by_village
),
mous as (
    -- MoUs signed within the quarter
    select kode_desa, count(*) as mous_signed
    from report.partners
    where has_mou and year(mou_date)::varchar || 'Q' || quarter(mou_date)::varchar = $quarter
    group by kode_desa
),
standard as (
    select kode_desa, meets_standard from report.library_standard
),
per_village as (
    select
        v.provinsi, v.kabupaten,
        coalesce(f.has_data, false)         as has_data,
        coalesce(f.months_reported, 0)      as months_reported,
        coalesce(f.visitors_male, 0)        as visitors_male,
        coalesce(f.visitors_female, 0)      as visitors_female,
        coalesce(f.visitors_total, 0)       as visitors_total,
        case when qi.has_prev_quarter then coalesce(f.visitors_total_prev_quarter, 0) end as visitors_total_prev_quarter,
        case when qi.has_prev_year then coalesce(f.visitors_total_prev_year, 0) end       as visitors_total_prev_year,
        coalesce(f.activities, 0)           as activities,
        coalesce(f.activities_pli, 0)       as activities_pli,
        coalesce(f.activities_pm, 0)        as activities_pm,
        coalesce(f.activities_adv, 0)       as activities_adv,
        coalesce(f.participants_male, 0)    as participants_male,
        coalesce(f.participants_female, 0)  as participants_female,
        coalesce(f.participants_total, 0)   as participants_total,
        coalesce(f.beneficiaries, 0)        as beneficiaries,
        coalesce(f.beneficiaries_female, 0) as beneficiaries_female,
        coalesce(p.partners, 0)             as partners,
        coalesce(p.partners_with_mou, 0)    as partners_with_mou,
        coalesce(m.mous_signed, 0)          as mous_signed,
        st.meets_standard
    from villages v
    cross join quarter_info qi
    left join facts f using (kode_desa)
    left join partners p using (kode_desa)
    left join mous m using (kode_desa)
    left join standard st using (kode_desa)
),
summed as (
    select
        provinsi, kabupaten,
        count(*)                                                              as villages,
        count(*) filter (has_data)                                            as villages_reported,
        count(*) filter (months_reported = 3 and activities >= 1)            as villages_complete,
        sum(visitors_male)::bigint         as visitors_male,
        sum(visitors_female)::bigint       as visitors_female,
        sum(visitors_total)::bigint        as visitors_total,
        -- NULL, not 0, when the previous quarter is before the first data
        sum(visitors_total_prev_quarter)::bigint as visitors_total_prev_quarter,
        sum(visitors_total_prev_year)::bigint    as visitors_total_prev_year,
        sum(activities)::bigint            as activities,
        sum(activities_pli)::bigint        as activities_pli,
        sum(activities_pm)::bigint         as activities_pm,
        sum(activities_adv)::bigint        as activities_adv,
        sum(participants_male)::bigint     as participants_male,
        sum(participants_female)::bigint   as participants_female,
        sum(participants_total)::bigint    as participants_total,
        sum(beneficiaries)::bigint         as beneficiaries,
        sum(beneficiaries_female)::bigint  as beneficiaries_female,
        sum(partners)::bigint              as partners,
        sum(partners_with_mou)::bigint     as partners_with_mou,
        sum(mous_signed)::bigint           as mous_signed,
        count(*) filter (meets_standard)   as libraries_meeting_standard
    from per_village
    group by grouping sets ((provinsi), (provinsi, kabupaten))
),
final as (
    select
        provinsi, kabupaten,
        villages, villages_reported, villages_complete,
        villages - villages_reported as villages_not_reported,
        visitors_male, visitors_female, visitors_total,
        visitors_total_prev_quarter,
        (visitors_total - visitors_total_prev_quarter) / nullif(visitors_total_prev_quarter, 0) as visitors_change_qoq,
        visitors_total_prev_year,
        (visitors_total - visitors_total_prev_year) / nullif(visitors_total_prev_year, 0)       as visitors_change_yoy,
        activities, activities_pli, activities_pm, activities_adv,
        participants_male, participants_female, participants_total,
        participants_female / nullif(participants_total, 0) as participants_female_share,
        beneficiaries, beneficiaries_female,
        partners, partners_with_mou, mous_signed,
        libraries_meeting_standard
    from summed
)
select * from final
order by provinsi, kabupaten nulls first;
