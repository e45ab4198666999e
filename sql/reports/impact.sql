-- report.impact: one row per village and quarter in which the village listed at least one
-- person who benefited (Dampak tab): how many, how many women, what changed, incomes, products.
create or replace view report.impact as
with benefits as (
    select * from report.benefits
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi from core.villages
),
counted as (
    select
        kode_desa, quarter,
        count(*)                                            as beneficiaries,
        count(*) filter (gender = 'P')                      as beneficiaries_female,
        count(*) filter (gender = 'L')                      as beneficiaries_male,
        count(*) filter (benefit_type = 'Pendapatan Naik')  as income_up,
        count(*) filter (benefit_type = 'Dapat Kerja')      as got_job,
        count(*) filter (benefit_type = 'Usaha Baru')       as new_business,
        count(*) filter (benefit_type = 'Produk Baru')      as new_product,
        count(*) filter (benefit_type not in ('Pendapatan Naik', 'Dapat Kerja', 'Usaha Baru', 'Produk Baru'))
                                                            as other_benefit,
        -- incomes in Rupiah per month; averaged over people with both amounts filled in
        count(*) filter (income_before is not null and income_after is not null) as with_income,
        sum(income_before) filter (income_before is not null and income_after is not null)::bigint
                                                            as income_before_sum,
        sum(income_after) filter (income_before is not null and income_after is not null)::bigint
                                                            as income_after_sum,
        string_agg(distinct product, ', ' order by product) filter (product is not null and product <> '')
                                                            as products,
        count(distinct product) filter (product is not null and product <> '') as products_count
    from benefits
    group by all
),
final as (
    select
        c.quarter, v.provinsi, v.kabupaten, v.kecamatan, c.kode_desa, v.desa,
        c.beneficiaries, c.beneficiaries_female, c.beneficiaries_male,
        c.income_up, c.got_job, c.new_business, c.new_product, c.other_benefit,
        c.with_income,
        c.income_before_sum / nullif(c.with_income, 0)                          as income_before_avg,
        c.income_after_sum / nullif(c.with_income, 0)                           as income_after_avg,
        (c.income_after_sum - c.income_before_sum) / nullif(c.with_income, 0)   as income_change_avg,
        c.products, c.products_count
    from counted c
    join villages v using (kode_desa)
)
select * from final;
