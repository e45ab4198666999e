-- Extract table "Mitra": partners of the village libraries by Jenis Mitra, as known at the
-- extract's as-of time, with the MoUs signed within quarter $quarter; for the province
-- (kabupaten NULL) and each kabupaten.
with villages as (
    select kode_desa, provinsi, kabupaten from report.villages
),
partners as (
    select v.provinsi, v.kabupaten, p.*
    from report.partners p
    join villages v using (kode_desa)
),
summed as (
    select
        provinsi, kabupaten, partner_type,
        count(distinct kode_desa)               as villages,
        count(*)                                as partners,
        count(*) filter (has_mou)               as partners_with_mou,
        count(*) filter (has_mou and year(mou_date)::varchar || 'Q' || quarter(mou_date)::varchar = $quarter)
                                                as mous_signed,
        sum(support_value_rp)::bigint           as support_value_rp      -- Rupiah
    from partners
    group by grouping sets ((provinsi, partner_type), (provinsi, kabupaten, partner_type))
),
final as (
    select * from summed
)
select * from final
order by provinsi, kabupaten nulls first, partners desc, partner_type;
