-- When the data an extract shows last changed, at the extract's as-of time: the latest time a
-- row version started or ended. A sync that found nothing new changes nothing here, so the
-- same data always prints the same date on the summary sheet.
with changes as (
    select valid_from as changed_at, valid_to from core.visits
    union all select valid_from, valid_to from core.activities
    union all select valid_from, valid_to from core.benefits
    union all select valid_from, valid_to from core.partners
    union all select valid_from, valid_to from core.profile
),
final as (
    select max(greatest(
        case when changed_at <= core.as_of() then changed_at end,
        case when valid_to <= core.as_of() then valid_to end)) as data_changed_at
    from changes
)
select * from final;
