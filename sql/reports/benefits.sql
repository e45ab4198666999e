-- report.benefits: one row per person who benefited (Dampak tab). Initials only.
create or replace view report.benefits as
with benefits as (
    select * from core.benefits
    where core.valid_at(valid_from, valid_to, core.as_of())
),
final as (
    select
        kode_desa,
        month,
        report.quarter_label(report.quarter_index(month)) as quarter,
        benefit_type,
        gender,
        product,
        income_before,                                      -- Rupiah per month
        income_after,
        initials,
        story,
        spreadsheet_key, source_row
    from benefits
)
select * from final;
