-- report.partners_by_type: one row per kabupaten and Jenis Mitra that at least one of its
-- village libraries works with: who supports the libraries, and under how many MoUs.
create or replace view report.partners_by_type as
with partners as (
    select * from report.partners
),
villages as (
    select kode_desa, kabupaten, provinsi from core.villages
),
final as (
    select
        v.provinsi, v.kabupaten,
        p.partner_type,
        count(distinct p.kode_desa)              as villages,
        count(*)                                 as partners,
        count(*) filter (p.has_mou)              as partners_with_mou,
        sum(p.support_value_rp)::bigint          as support_value_rp      -- Rupiah
    from partners p
    join villages v using (kode_desa)
    group by all
)
select * from final;
