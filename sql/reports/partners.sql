-- report.partners: one row per partner of a village library (Mitra tab).
create or replace view report.partners as
with partners as (
    select * from core.partners
    where core.valid_at(valid_from, valid_to, core.as_of())
),
final as (
    select
        kode_desa, partner_name, partner_type, partner_type_raw, support_form,
        has_mou, mou_date,
        support_value_rp,                                   -- Rupiah
        spreadsheet_key, source_row
    from partners
)
select * from final;
