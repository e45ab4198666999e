-- Extract table "Kegiatan per Strategi": activities and participants in quarter $quarter under
-- each TPBIS strategy, for the province (kabupaten NULL) and each kabupaten. The strategies of
-- core.strategies always have a row (zero when none was held), in SIM TPBIS order.
with scopes as (
    select provinsi, kabupaten from report_internal.extract_scopes
),
by_village as (
    select * from report.activities_by_strategy where quarter = $quarter
),
strategies as (
    select strategy, strategy_order from core.strategies
    union all
    select distinct strategy, strategy_order from by_village
    where strategy not in (select strategy from core.strategies)
),
summed as (
    select
        provinsi, kabupaten, strategy,
        sum(activities)::bigint                 as activities,
        count(*) filter (activities > 0)        as villages,
        sum(participants_male)::bigint          as participants_male,
        sum(participants_female)::bigint        as participants_female
    from by_village
    group by grouping sets ((provinsi, strategy), (provinsi, kabupaten, strategy))
),
final as (
    select
        sc.provinsi, sc.kabupaten, st.strategy,
        coalesce(s.activities, 0)           as activities,
        coalesce(s.villages, 0)             as villages,
        coalesce(s.participants_male, 0)    as participants_male,
        coalesce(s.participants_female, 0)  as participants_female,
        coalesce(s.participants_male + s.participants_female, 0) as participants_total,
        s.participants_female / nullif(s.participants_male + s.participants_female, 0)
                                            as participants_female_share,
        st.strategy_order
    from scopes sc
    cross join strategies st
    left join summed s
        on s.provinsi = sc.provinsi and s.kabupaten is not distinct from sc.kabupaten
        and s.strategy = st.strategy
)
select * exclude (strategy_order) from final
order by provinsi, kabupaten nulls first, strategy_order, strategy;
