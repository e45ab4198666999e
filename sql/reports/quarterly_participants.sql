-- report.quarterly_participants: one row per registered village and quarter (the grid of
-- report.quarterly_indicators): how many people took part, and the share of women among
-- activity participants, library visitors and people who benefited.
create or replace view report.quarterly_participants as
with quarters as (
    select quarter from report_internal.base_quarters
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, cohort from core.villages
),
facts as (
    select * from report_internal.base_village_quarters
),
final as (
    select
        q.quarter, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(f.participants_male, 0)    as participants_male,
        coalesce(f.participants_female, 0)  as participants_female,
        coalesce(f.participants_total, 0)   as participants_total,
        -- shares are 0..1, NULL when there is nobody to divide by
        f.participants_female / nullif(f.participants_total, 0) as participants_female_share,
        coalesce(f.visitors_female, 0)      as visitors_female,
        coalesce(f.visitors_total, 0)       as visitors_total,
        f.visitors_female / nullif(f.visitors_total, 0)         as visitors_female_share,
        coalesce(f.beneficiaries, 0)        as beneficiaries,
        coalesce(f.beneficiaries_female, 0) as beneficiaries_female,
        f.beneficiaries_female / nullif(f.beneficiaries, 0)     as beneficiaries_female_share
    from villages v
    cross join quarters q
    left join facts f on f.kode_desa = v.kode_desa and f.quarter = q.quarter
)
select * from final;
