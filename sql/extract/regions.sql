-- Extract table "Wilayah": for quarter $quarter, one row per kabupaten/kota (in the province's
-- file: kabupaten NULL) and one row per kecamatan (in its kabupaten's file).
with totals as (
    select * from report_internal.region_totals($quarter) where level in ('kabupaten', 'kecamatan')
),
final as (
    select
        provinsi,
        case level when 'kabupaten' then null else kabupaten end        as kabupaten,
        case level when 'kabupaten' then kabupaten else kecamatan end   as region,
        villages, villages_reported, villages_complete,
        visitors_male, visitors_female, visitors_total,
        activities,
        participants_male, participants_female, participants_total,
        participants_female / nullif(participants_total, 0) as participants_female_share,
        beneficiaries
    from totals
)
select * from final
order by provinsi, kabupaten nulls first, region;
