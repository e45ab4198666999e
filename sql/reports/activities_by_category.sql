-- report.activities_by_category: one row per village, quarter and Jenis Kegiatan that the
-- village held at least once in that quarter (absent categories have no row).
create or replace view report.activities_by_category as
with activities as (
    select kode_desa, quarter, category, strategy, participants_male, participants_female
    from report.activities
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi from core.villages
),
counted as (
    select
        kode_desa, quarter,
        category,                                           -- canonical Jenis Kegiatan
        count(*)                         as activities,
        sum(participants_male)::bigint   as participants_male,
        sum(participants_female)::bigint as participants_female,
        count(distinct strategy)         as strategies      -- > 1 when the Strategi cell overrode the default
    from activities
    group by all
),
final as (
    select
        c.quarter, v.provinsi, v.kabupaten, v.kecamatan, c.kode_desa, v.desa,
        c.category,
        c.activities,
        c.participants_male,
        c.participants_female,
        c.participants_male + c.participants_female as participants_total,
        c.participants_female / nullif(c.participants_male + c.participants_female, 0)
                                                    as participants_female_share,
        c.strategies
    from counted c
    join villages v using (kode_desa)
)
select * from final;
