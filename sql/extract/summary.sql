-- Extract table "Ringkasan": one row per scope of the quarterly extract for quarter $quarter:
-- the province (kabupaten NULL) and each kabupaten/kota. Sums over registered villages, so a
-- village that did not report still counts in `villages` and in `villages_not_reported`.
with totals as (
    select * from report_internal.region_totals($quarter) where level in ('provinsi', 'kabupaten')
),
villages as (
    select kode_desa, provinsi, kabupaten from report.villages
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
partners_summed as (
    -- not quarterly (as known at the extract's as-of time), but the MoUs signed in the quarter
    select
        v.provinsi, v.kabupaten,
        coalesce(sum(p.partners), 0)::bigint           as partners,
        coalesce(sum(p.partners_with_mou), 0)::bigint  as partners_with_mou,
        coalesce(sum(m.mous_signed), 0)::bigint        as mous_signed,
        count(*) filter (st.meets_standard)            as libraries_meeting_standard
    from villages v
    left join partners p using (kode_desa)
    left join mous m using (kode_desa)
    left join standard st using (kode_desa)
    group by grouping sets ((v.provinsi), (v.provinsi, v.kabupaten))
),
joined as (
    select t.*, ps.partners, ps.partners_with_mou, ps.mous_signed, ps.libraries_meeting_standard
    from totals t
    join partners_summed ps on ps.provinsi = t.provinsi and ps.kabupaten is not distinct from t.kabupaten
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
    from joined
)
select * from final
order by provinsi, kabupaten nulls first;
