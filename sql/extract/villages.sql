-- Extract table "Desa": one row per registered village for quarter $quarter ('2022Q4'), with
-- every indicator the quarterly report shows per village. The traffic light (status_local)
-- uses LOCAL thresholds bound from config/report_thresholds.csv ($hijau_* / $kuning_*): it is
-- a province convention, not a Perpusnas indicator.
with villages as (
    select * from report.villages
),
facts as (
    -- this quarter's numbers, and the visits of the quarter before / a year before
    select * from report_internal.base_village_quarters where quarter = $quarter
),
partners as (
    select kode_desa, partners, partners_with_mou from report.partners_by_village
),
standard as (
    select kode_desa, meets_standard, gaps from report.library_standard
),
quarter_months as (
    -- the quarter's three month names, 'Okt 2022' ..., to name the months a village did not send
    select list_transform([0, 1, 2], lambda i:
        ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'][right($quarter, 1)::int * 3 - 2 + i]
        || ' ' || left($quarter, 4)) as month_names
),
joined as (
    select
        v.provinsi, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort, v.library_name,
        coalesce(f.months_reported, 0)             as months_reported,
        coalesce(f.visitors_male, 0)               as visitors_male,
        coalesce(f.visitors_female, 0)             as visitors_female,
        coalesce(f.visitors_total, 0)              as visitors_total,
        -- ratios; NULL when the earlier quarter had no visits (or is before the data)
        (f.visitors_total - f.visitors_total_prev_quarter) / nullif(f.visitors_total_prev_quarter, 0)
                                                   as visitors_change_qoq,
        (f.visitors_total - f.visitors_total_prev_year) / nullif(f.visitors_total_prev_year, 0)
                                                   as visitors_change_yoy,
        coalesce(f.activities, 0)                  as activities,
        coalesce(f.activities_pli, 0)              as activities_pli,
        coalesce(f.activities_pm, 0)               as activities_pm,
        coalesce(f.activities_adv, 0)              as activities_adv,
        coalesce(f.participants_male, 0)           as participants_male,
        coalesce(f.participants_female, 0)         as participants_female,
        coalesce(f.participants_total, 0)          as participants_total,
        coalesce(f.beneficiaries, 0)               as beneficiaries,
        coalesce(f.beneficiaries_female, 0)        as beneficiaries_female,
        coalesce(p.partners, 0)::bigint            as partners,
        coalesce(p.partners_with_mou, 0)::bigint   as partners_with_mou,
        -- as report.reporting_completeness: bit 0/1/2 of month_mask = 1st/2nd/3rd month sent
        array_to_string(list_filter(q.month_names, lambda name, i: (coalesce(f.month_mask, 0) >> (i - 1)) & 1 = 0), ', ')
                                                   as missing_months,
        st.meets_standard,
        st.gaps                                    as standard_gaps
    from villages v
    cross join quarter_months q
    left join facts f using (kode_desa)
    left join partners p using (kode_desa)
    left join standard st using (kode_desa)
),
final as (
    select
        provinsi, kabupaten, kecamatan, kode_desa, desa, cohort, library_name,
        months_reported, visitors_male, visitors_female, visitors_total,
        visitors_change_qoq, visitors_change_yoy,
        activities, activities_pli, activities_pm, activities_adv,
        participants_male, participants_female, participants_total,
        participants_female / nullif(participants_total, 0) as participants_female_share,
        beneficiaries, beneficiaries_female,
        partners, partners_with_mou,
        months_reported = 3 and activities >= 1 as complete,
        missing_months,
        meets_standard, standard_gaps,
        -- LOCAL traffic light: red when any indicator is under its kuning threshold, yellow
        -- when any is under its hijau threshold, green otherwise
        case
            when months_reported < $kuning_months_reported or activities < $kuning_activities
                or coalesce(visitors_total / nullif(months_reported, 0), 0) < $kuning_visitors_per_month
                then 'merah'
            when months_reported < $hijau_months_reported or activities < $hijau_activities
                or coalesce(visitors_total / nullif(months_reported, 0), 0) < $hijau_visitors_per_month
                then 'kuning'
            else 'hijau'
        end as status_local
    from joined
)
select * from final
order by provinsi, kabupaten, kode_desa;
