-- report.quarterly_participants: one row per registered village and quarter (the grid of
-- report.quarterly_indicators): how many people took part, and the share of women among
-- activity participants, library visitors and people who benefited.
create or replace view report.quarterly_participants as
with grid as (
    select * from report_internal.registered_village_quarters
),
final as (
    select
        quarter, kabupaten, kecamatan, kode_desa, desa, cohort,
        participants_male, participants_female, participants_total,
        -- shares are 0..1, NULL when there is nobody to divide by
        participants_female / nullif(participants_total, 0)     as participants_female_share,
        visitors_female, visitors_total,
        visitors_female / nullif(visitors_total, 0)             as visitors_female_share,
        beneficiaries, beneficiaries_female,
        beneficiaries_female / nullif(beneficiaries, 0)         as beneficiaries_female_share
    from grid
)
select * from final;
