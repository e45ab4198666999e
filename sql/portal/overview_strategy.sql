-- Activities by TPBIS strategy, the eight quarters up to the chosen one, over the scope.
select
    quarter, quarter_index,
    -- the strategies of core.strategies, in their order (report_internal.base_village_quarters)
    sum(activities_pli)::bigint as pli,     -- strategy_order 1
    sum(activities_pm)::bigint  as pm,      -- strategy_order 2
    sum(activities_adv)::bigint as adv      -- strategy_order 3
from p_village_quarters
where starts_with(kode_desa, $prefix)
  and quarter_index between $quarter_index - 7 and $quarter_index
group by all
order by quarter_index;
