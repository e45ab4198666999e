-- report.activities: one row per activity held (Kegiatan tab).
create or replace view report.activities as
with activities as (
    select * from core.activities
    where core.valid_at(valid_from, valid_to, core.as_of())
),
final as (
    select
        kode_desa,
        activity_date,
        report.quarter_label(report.quarter_index(activity_date)) as quarter,   -- e.g. 2022Q4
        category,                                           -- canonical Jenis Kegiatan
        strategy,                                           -- TPBIS strategy
        title,
        participants_male,
        participants_female,
        participants_male + participants_female as participants_total,
        partner,
        category_raw,
        activity_no,
        notes,
        spreadsheet_key, source_row
    from activities
)
select * from final;
