-- Extract table "Kelompok": the replication cohorts side by side for each month of quarter
-- $quarter, per library that reported that month, for the province (kabupaten NULL) and each
-- kabupaten. Averages are recomputed from sums (never an average of averages).
with cohort_months as (
    select * from report.cohort_monthly where quarter = $quarter
),
summed as (
    select
        provinsi, kabupaten, month, cohort,
        sum(libraries)::bigint           as libraries,
        sum(libraries_reported)::bigint  as libraries_reported,
        sum(visitors_total)::bigint      as visitors_total,
        sum(activities)::bigint          as activities,
        sum(participants_total)::bigint  as participants_total,
        sum(beneficiaries)::bigint       as beneficiaries
    from cohort_months
    group by grouping sets ((provinsi, month, cohort), (provinsi, kabupaten, month, cohort))
),
final as (
    select
        provinsi, kabupaten, month,
        ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'][month(month)]
            || ' ' || year(month)::varchar as month_label,
        cohort,
        libraries, libraries_reported,
        visitors_total / nullif(libraries_reported, 0)      as visitors_per_library,
        activities / nullif(libraries_reported, 0)          as activities_per_library,
        participants_total / nullif(libraries_reported, 0)  as participants_per_library,
        beneficiaries / nullif(libraries_reported, 0)       as beneficiaries_per_library,
        visitors_total, activities, participants_total, beneficiaries
    from summed
)
select * from final
order by provinsi, kabupaten nulls first, month,
    case cohort when 'replikasi' then 1 when 'replikasi_mandiri' then 2
                when 'calon_replikasi_mandiri' then 3 else 4 end, cohort;
