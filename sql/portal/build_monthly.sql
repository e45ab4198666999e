-- p_monthly: visitors per kecamatan and month (the "visitors by month" chart of any scope);
-- kode_kecamatan is the first three parts of kode_desa ('14.03.02').
create or replace temp table p_monthly as
with visits as (
    select left(kode_desa, 8) as kode_kecamatan, month, visitors_male, visitors_female
    from report.monthly_visits
),
final as (
    select kode_kecamatan, month,
        sum(visitors_male)::bigint   as visitors_male,
        sum(visitors_female)::bigint as visitors_female
    from visits
    group by all
)
select * from final
order by month, kode_kecamatan;
