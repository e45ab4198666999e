-- Extract table "Desa": one row per registered village for quarter $quarter ('2022Q4'), with
-- every indicator the quarterly report shows per village. The traffic light (status_local)
-- uses LOCAL thresholds bound from config/report_thresholds.csv ($hijau_* / $kuning_*): it is
-- a province convention, not a Perpusnas indicator.
with village_quarter as (
    -- this quarter's numbers, and the visits of the quarter before / a year before
    select * from report_internal.village_quarters($quarter)
),
libraries as (
    select kode_desa, library_name from report.villages
),
partners as (
    select kode_desa, partners, partners_with_mou from report.partners_by_village
),
standard as (
    select kode_desa, meets_standard, gaps from report.library_standard
),
joined as (
    select
        f.provinsi, f.kabupaten, f.kecamatan, f.kode_desa, f.desa, f.cohort, l.library_name,
        f.months_reported, f.visitors_male, f.visitors_female, f.visitors_total,
        -- ratios; NULL when the earlier quarter had no visits (or is before the data)
        (f.visitors_total - f.visitors_total_prev_quarter) / nullif(f.visitors_total_prev_quarter, 0)
                                                   as visitors_change_qoq,
        (f.visitors_total - f.visitors_total_prev_year) / nullif(f.visitors_total_prev_year, 0)
                                                   as visitors_change_yoy,
        f.activities, f.activities_pli, f.activities_pm, f.activities_adv,
        f.participants_male, f.participants_female, f.participants_total,
        f.beneficiaries, f.beneficiaries_female,
        coalesce(p.partners, 0)::bigint            as partners,
        coalesce(p.partners_with_mou, 0)::bigint   as partners_with_mou,
        f.complete,
        f.missing_months,
        st.meets_standard,
        st.gaps                                    as standard_gaps
    from village_quarter f
    left join libraries l using (kode_desa)
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
        complete,
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
