-- The short province summary printed by `tpbis demo`: the last four quarters, per kabupaten.
with last_quarters as (
    select distinct quarter from report.quarterly_indicators
    where months_reported > 0
    order by quarter desc
    limit 4
),
final as (
    select
        quarter,
        kabupaten,
        count(*)                                   as villages,
        count(*) filter (months_reported = 3)      as villages_full_quarter,
        sum(visitors_total)::bigint                as visitors,
        sum(visitors_female)::bigint               as visitors_female,
        sum(activities)::bigint                    as activities,
        sum(participants_total)::bigint            as participants,
        round(100.0 * sum(participants_female) / nullif(sum(participants_total), 0), 1) as pct_women,
        sum(beneficiaries)::bigint                 as beneficiaries
    from report.quarterly_indicators
    where quarter in (select quarter from last_quarters)
    group by all
)
select * from final
order by quarter, kabupaten;
