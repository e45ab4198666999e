-- p_village_quarters: every village-quarter in which anything was reported, over the whole
-- history, built once per snapshot from report_internal.base_village_quarters (summing that for every
-- quarter takes seconds at 20,000 villages x 10 years; the pages then read this small table).
create or replace temp table p_village_quarters as
with facts as (
    select * from report_internal.base_village_quarters where has_data
),
final as (
    select
        f.quarter, f.quarter_index, f.kode_desa, v.desa, v.kecamatan, v.kabupaten,
        f.months_reported, f.visitors_male, f.visitors_female, f.visitors_total,
        f.activities, f.activities_pli, f.activities_pm, f.activities_adv,
        f.participants_male, f.participants_female, f.participants_total,
        f.beneficiaries, f.beneficiaries_female
    from facts f
    join core.villages v using (kode_desa)
)
select * from final
order by quarter_index, kode_desa;
