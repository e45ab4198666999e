-- Activities by TPBIS strategy, the eight quarters up to the chosen one, over the scope.
select
    quarter, quarter_index,
    sum(activities_pli)::bigint as pli,     -- Peningkatan Layanan Informasi
    sum(activities_pm)::bigint  as pm,      -- Pelibatan Masyarakat
    sum(activities_adv)::bigint as adv      -- Advokasi
from p_village_quarters
where starts_with(kode_desa, $prefix)
  and quarter_index between $quarter_index - 7 and $quarter_index
group by all
order by quarter_index;
