-- Extract table "Kunjungan per Bulan": visitors in each month of quarter $quarter, men and
-- women, for the province (kabupaten NULL) and each kabupaten. Always three rows per scope,
-- so the chart shows a month nobody reported as zero instead of leaving it out.
with villages as (
    select kode_desa, provinsi, kabupaten from report.villages
),
scopes as (
    select provinsi, kabupaten from report_internal.extract_scopes
),
months as (
    select (make_date(left($quarter, 4)::int, right($quarter, 1)::int * 3 - 2, 1) + to_months(i))::date as month
    from range(3) as r(i)
),
visits as (
    select v.provinsi, v.kabupaten, m.*
    from report.monthly_visits m
    join villages v using (kode_desa)
    where m.month in (select month from months)
),
summed as (
    select
        provinsi, kabupaten, month,
        count(distinct kode_desa)     as villages_reported,
        sum(visitors_male)::bigint    as visitors_male,
        sum(visitors_female)::bigint  as visitors_female
    from visits
    group by grouping sets ((provinsi, month), (provinsi, kabupaten, month))
),
final as (
    select
        sc.provinsi, sc.kabupaten, m.month,
        -- the label the chart and staff read: 'Okt 2022'
        ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'][month(m.month)]
            || ' ' || year(m.month)::varchar     as month_label,
        coalesce(s.villages_reported, 0)         as villages_reported,
        coalesce(s.visitors_male, 0)             as visitors_male,
        coalesce(s.visitors_female, 0)           as visitors_female,
        coalesce(s.visitors_male + s.visitors_female, 0) as visitors_total
    from scopes sc
    cross join months m
    left join summed s
        on s.provinsi = sc.provinsi and s.kabupaten is not distinct from sc.kabupaten and s.month = m.month
)
select * from final
order by provinsi, kabupaten nulls first, month;
