-- Extract table "Dampak": people who benefited in quarter $quarter by Jenis Dampak, with the
-- share of women, average incomes before and after (Rupiah per month, over people with both
-- amounts) and the products made; for the province (kabupaten NULL) and each kabupaten.
with villages as (
    select kode_desa, provinsi, kabupaten from report.villages
),
benefits as (
    select v.provinsi, v.kabupaten, b.*
    from report.benefits b
    join villages v using (kode_desa)
    where b.quarter = $quarter
),
summed as (
    select
        provinsi, kabupaten, benefit_type,
        count(*)                         as beneficiaries,
        count(*) filter (gender = 'P')   as beneficiaries_female,
        count(distinct kode_desa)        as villages,
        count(*) filter (income_before is not null and income_after is not null) as with_income,
        sum(income_before) filter (income_before is not null and income_after is not null)::bigint as income_before_sum,
        sum(income_after) filter (income_before is not null and income_after is not null)::bigint  as income_after_sum,
        string_agg(distinct product, ', ' order by product) filter (product is not null and product <> '') as products
    from benefits
    group by grouping sets ((provinsi, benefit_type), (provinsi, kabupaten, benefit_type))
),
final as (
    select
        provinsi, kabupaten, benefit_type,
        beneficiaries, beneficiaries_female,
        beneficiaries_female / beneficiaries                       as beneficiaries_female_share,
        villages, with_income,
        income_before_sum / nullif(with_income, 0)                 as income_before_avg,
        income_after_sum / nullif(with_income, 0)                  as income_after_avg,
        (income_after_sum - income_before_sum) / nullif(with_income, 0) as income_change_avg,
        coalesce(products, '')                                     as products
    from summed
)
select * from final
order by provinsi, kabupaten nulls first, beneficiaries desc, benefit_type;
