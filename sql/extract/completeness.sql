-- Extract table "Kelengkapan Laporan": every registered village for quarter $quarter: did it
-- send all three months of Kunjungan and at least one Kegiatan, and which months are missing
-- (the rules of report.reporting_completeness, read from the quarter's facts directly).
-- Villages that did not report come first, then incomplete ones, then complete ones.
with villages as (
    select * from report.villages
),
facts as (
    select * from report_internal.base_village_quarters where quarter = $quarter
),
quarter_months as (
    select list_transform([0, 1, 2], lambda i:
        ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'][right($quarter, 1)::int * 3 - 2 + i]
        || ' ' || left($quarter, 4)) as month_names
),
joined as (
    select
        v.provinsi, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(f.months_reported, 0) as months_reported,
        coalesce(f.month_mask, 0)      as month_mask,       -- bit 0/1/2: 1st/2nd/3rd month sent
        coalesce(f.activities, 0)      as activities,
        coalesce(f.beneficiaries, 0)   as beneficiaries,
        q.month_names
    from villages v
    cross join quarter_months q
    left join facts f using (kode_desa)
),
final as (
    select
        provinsi, kabupaten, kecamatan, kode_desa, desa, cohort,
        case
            when months_reported = 3 and activities >= 1 then 'lengkap'
            when months_reported = 0 and activities = 0 and beneficiaries = 0 then 'tidak lapor'
            else 'tidak lengkap'
        end as status,
        months_reported,
        array_to_string(list_filter(month_names, lambda name, i: (month_mask >> (i - 1)) & 1 = 0), ', ')
            as missing_months,
        activities,
        months_reported = 3 and activities >= 1 as complete
    from joined
)
select * from final
order by provinsi, kabupaten,
    case status when 'tidak lapor' then 1 when 'tidak lengkap' then 2 else 3 end, kode_desa;
