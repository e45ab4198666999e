-- report_internal.registered_regions: one row per region at three levels (level 'provinsi',
-- 'kabupaten', 'kecamatan'; the finer names NULL above their level) with its number of
-- registered villages. The region grid of report_internal.base_region_quarters_live and of its
-- summary (sql/summaries/region_quarters.sql): one definition, so both count the same regions.
create or replace view report_internal.registered_regions as
select
    case grouping(kabupaten, kecamatan) when 3 then 'provinsi' when 1 then 'kabupaten' else 'kecamatan' end
                                                                        as level,
    provinsi, kabupaten, kecamatan, count(*) as villages
from core.villages
group by grouping sets ((provinsi), (provinsi, kabupaten), (provinsi, kabupaten, kecamatan));
