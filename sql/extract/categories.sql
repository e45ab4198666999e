-- Extract table "Kegiatan per Jenis": activities and participants in quarter $quarter by Jenis
-- Kegiatan, for the province (kabupaten NULL) and each kabupaten; only categories held.
with by_village as (
    select * from report.activities_by_category where quarter = $quarter
),
summed as (
    select
        provinsi, kabupaten, category,
        sum(activities)::bigint           as activities,
        count(*)                          as villages,
        sum(participants_male)::bigint    as participants_male,
        sum(participants_female)::bigint  as participants_female
    from by_village
    group by grouping sets ((provinsi, category), (provinsi, kabupaten, category))
),
final as (
    select
        provinsi, kabupaten, category, activities, villages,
        participants_male, participants_female,
        participants_male + participants_female as participants_total,
        participants_female / nullif(participants_male + participants_female, 0) as participants_female_share
    from summed
)
select * from final
order by provinsi, kabupaten nulls first, activities desc, category;
