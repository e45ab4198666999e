-- Extract table "Kelengkapan Laporan": every registered village for quarter $quarter: did it
-- send all three months of Kunjungan and at least one Kegiatan, and which months are missing
-- (the rules of report.reporting_completeness, from report_internal.village_quarters).
-- Villages that did not report come first, then incomplete ones, then complete ones.
with village_quarter as (
    select * from report_internal.village_quarters($quarter)
),
final as (
    select
        provinsi, kabupaten, kecamatan, kode_desa, desa, cohort,
        status,
        months_reported,
        missing_months,
        activities,
        complete
    from village_quarter
)
select * from final
order by provinsi, kabupaten,
    case status when 'tidak lapor' then 1 when 'tidak lengkap' then 2 else 3 end, kode_desa;
