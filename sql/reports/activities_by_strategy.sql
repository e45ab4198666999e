-- report.activities_by_strategy: one row per registered village, quarter and TPBIS strategy,
-- for every quarter in which any village held an activity. A strategy a village did not work
-- on in a quarter keeps its row with zeros: "no Advokasi this quarter" must be visible.
create or replace view report.activities_by_strategy as
with activities as (
    -- core directly, with the quarter label computed per row: a filter on `quarter` then
    -- reaches the scan (report.activities is created after this file, and slower to filter)
    select kode_desa, strategy, participants_male, participants_female,
        report.quarter_label(report.quarter_index(activity_date)) as quarter
    from core.activities
    where core.valid_at(valid_from, valid_to, core.as_of())
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi, cohort from core.villages
),
strategies as (
    -- the strategies as Perpusnas's SIM TPBIS counts them (config/categories.csv), in its order
    select strategy, strategy_order from core.strategies
    union all
    -- any other value that reached the warehouse is shown, not silently dropped
    select distinct strategy, 9 from activities
    where strategy not in (select strategy from core.strategies)
),
quarters as (
    select distinct quarter from activities
),
counted as (
    select
        kode_desa, quarter, strategy,
        count(*)                         as activities,
        sum(participants_male)::bigint   as participants_male,
        sum(participants_female)::bigint as participants_female
    from activities
    group by all
),
grid as (
    select q.quarter, v.*, s.strategy, s.strategy_order
    from villages v cross join quarters q cross join strategies s
),
final as (
    select
        g.quarter, g.provinsi, g.kabupaten, g.kecamatan, g.kode_desa, g.desa, g.cohort,
        g.strategy, g.strategy_order,
        coalesce(c.activities, 0)          as activities,
        coalesce(c.participants_male, 0)   as participants_male,
        coalesce(c.participants_female, 0) as participants_female,
        coalesce(c.participants_male + c.participants_female, 0) as participants_total,
        -- share of women among participants, 0..1; NULL when nobody took part
        c.participants_female / nullif(c.participants_male + c.participants_female, 0)
                                           as participants_female_share
    from grid g
    left join counted c using (kode_desa, quarter, strategy)
)
select * from final;
