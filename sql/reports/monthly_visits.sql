-- report.monthly_visits: one row per village and month (Kunjungan tab).
create or replace view report.monthly_visits as
with visits as (
    select * from core.visits
    where core.valid_at(valid_from, valid_to, core.as_of())
),
final as (
    select
        kode_desa,
        month,                                              -- first day of the month
        visitors_male,
        visitors_female,
        visitors_male + visitors_female as visitors_total,
        new_members,                                        -- NULL: column absent in the sheet
        loans,
        internet_users,
        open_days,
        spreadsheet_key, source_row
    from visits
)
select * from final;
