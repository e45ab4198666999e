-- Extract table "Ringkasan": one row per scope of the quarterly extract for quarter $quarter:
-- the province (kabupaten NULL) and each kabupaten/kota. Sums over registered villages, so a
-- village that did not report still counts in `villages` and in `villages_not_reported`.
with village_quarter as (
    -- earlier quarters before the first data are unknown (NULL), not zero (as report.visits_change)
    select * from report_internal.village_quarters($quarter)
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
        f.provinsi, f.kabupaten, f.has_data, f.complete,
        f.visitors_male, f.visitors_female, f.visitors_total,
        f.visitors_total_prev_quarter, f.visitors_total_prev_year,
        f.activities, f.activities_pli, f.activities_pm, f.activities_adv,
        f.participants_male, f.participants_female, f.participants_total,
        f.beneficiaries, f.beneficiaries_female,
        coalesce(p.partners, 0)             as partners,
        coalesce(p.partners_with_mou, 0)    as partners_with_mou,
        coalesce(m.mous_signed, 0)          as mous_signed,
        st.meets_standard
    from village_quarter f
    left join partners p using (kode_desa)
    left join mous m using (kode_desa)
    left join standard st using (kode_desa)
),
summed as (
    select
        provinsi, kabupaten,
        count(*)                                                              as villages,
        count(*) filter (has_data)                                            as villages_reported,
        count(*) filter (complete)                                            as villages_complete,
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
