-- Activities by TPBIS strategy, the eight quarters up to the chosen one, over the scope: one
-- row per quarter with data and strategy, named and ordered as core.strategies says (the
-- `strategi` rows of config/categories.csv), so a renamed strategy needs no code change.
with scoped as (
    select * from p_village_quarters
    where starts_with(kode_desa, $prefix)
      and quarter_index between $quarter_index - 7 and $quarter_index
),
by_quarter as (
    -- report_internal.base_village_quarters counts activities by strategy_order 1, 2, 3
    select
        quarter, quarter_index,
        [sum(activities_pli), sum(activities_pm), sum(activities_adv)]::bigint[] as by_order
    from scoped
    group by quarter, quarter_index
),
final as (
    select
        q.quarter, q.quarter_index, s.strategy, s.strategy_order,
        coalesce(q.by_order[s.strategy_order], 0) as activities    -- lists count from 1
    from by_quarter q
    cross join core.strategies s
)
select * from final
order by quarter_index, strategy_order;
