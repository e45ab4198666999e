-- report.partners_by_village: one row per registered village library: how many partners it
-- works with, how many under a signed MoU, and the support they bring (Mitra tab).
create or replace view report.partners_by_village as
with partners as (
    select * from report.partners
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi, cohort from core.villages
),
counted as (
    select
        kode_desa,
        count(*)                                           as partners,
        count(*) filter (has_mou)                          as partners_with_mou,
        count(*) filter (has_mou and mou_date is null)     as mous_without_date,  -- "Ya" but no date typed
        min(mou_date) filter (has_mou)                     as first_mou_date,
        max(mou_date) filter (has_mou)                     as last_mou_date,
        sum(support_value_rp)::bigint                      as support_value_rp,   -- Rupiah, as typed
        string_agg(distinct partner_type, ', ' order by partner_type) as partner_types
    from partners
    group by kode_desa
),
final as (
    select
        v.provinsi, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(c.partners, 0)          as partners,
        coalesce(c.partners_with_mou, 0) as partners_with_mou,
        coalesce(c.mous_without_date, 0) as mous_without_date,
        c.first_mou_date, c.last_mou_date,
        coalesce(c.support_value_rp, 0)  as support_value_rp,
        coalesce(c.partner_types, '')    as partner_types
    from villages v
    left join counted c using (kode_desa)
)
select * from final;
