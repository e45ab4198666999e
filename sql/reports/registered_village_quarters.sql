-- report_internal.village_quarters(one_quarter): one row per registered village and quarter,
-- with that quarter's numbers from report_internal.base_village_quarters, zero where the
-- village sent nothing. With one_quarter NULL: every quarter of the reporting grid
-- (report_internal.base_quarters), which is report_internal.registered_village_quarters below;
-- with a quarter ('2022Q4'): that quarter alone, also outside the grid (what an extract asks
-- for). The one place where registered villages meet their quarterly numbers: the grid views
-- (report.quarterly_indicators, quarterly_participants, reporting_completeness,
-- visits_change) and the extract tables (sql/extract/villages, completeness, summary) read it.
create or replace macro report_internal.village_quarters(one_quarter) as table
with quarters as (
    select quarter, quarter_index from report_internal.base_quarters
    where one_quarter is null
    union all
    select one_quarter, left(one_quarter, 4)::int * 4 + right(one_quarter, 1)::int - 1
    where one_quarter is not null
),
bounds as (
    -- comparisons with a quarter before the first data are unknown (NULL), not zero
    select min(first_quarter_index) as first_quarter_index from report_internal.base_quarters
),
villages as (
    select kode_desa, desa, kecamatan, kabupaten, provinsi, cohort from core.villages
),
facts as (
    select * from report_internal.base_village_quarters
    where one_quarter is null or quarter = one_quarter       -- keyed: applied while scanning
),
joined as (
    select
        q.quarter, q.quarter_index, b.first_quarter_index,
        v.provinsi, v.kabupaten, v.kecamatan, v.kode_desa, v.desa, v.cohort,
        coalesce(f.has_data, false)          as has_data,
        coalesce(f.months_reported, 0)       as months_reported,     -- months with a Kunjungan row
        coalesce(f.month_mask, 0)            as month_mask,          -- bit 0/1/2: 1st/2nd/3rd month sent
        coalesce(f.visitors_male, 0)         as visitors_male,
        coalesce(f.visitors_female, 0)       as visitors_female,
        coalesce(f.visitors_total, 0)        as visitors_total,
        coalesce(f.activities, 0)            as activities,
        coalesce(f.activities_pli, 0)        as activities_pli,
        coalesce(f.activities_pm, 0)         as activities_pm,
        coalesce(f.activities_adv, 0)        as activities_adv,
        coalesce(f.participants_male, 0)     as participants_male,
        coalesce(f.participants_female, 0)   as participants_female,
        coalesce(f.participants_total, 0)    as participants_total,
        coalesce(f.beneficiaries, 0)         as beneficiaries,          -- people listed in Dampak
        coalesce(f.beneficiaries_female, 0)  as beneficiaries_female,
        case when q.quarter_index - 1 >= b.first_quarter_index
             then coalesce(f.visitors_total_prev_quarter, 0) end  as visitors_total_prev_quarter,
        case when q.quarter_index - 1 >= b.first_quarter_index
             then coalesce(f.months_reported_prev_quarter, 0) end as months_reported_prev_quarter,
        case when q.quarter_index - 4 >= b.first_quarter_index
             then coalesce(f.visitors_total_prev_year, 0) end     as visitors_total_prev_year,
        case when q.quarter_index - 4 >= b.first_quarter_index
             then coalesce(f.months_reported_prev_year, 0) end    as months_reported_prev_year
    from villages v
    cross join quarters q
    cross join bounds b
    left join facts f on f.kode_desa = v.kode_desa and f.quarter = q.quarter
),
final as (
    select
        *,
        report.quarter_start(quarter_index)      as quarter_start,
        report.quarter_start(quarter_index + 1)  as next_quarter_start,
        -- the months not sent, as staff write them: 'Nov 2022, Des 2022'
        array_to_string(list_transform(
            list_filter([0, 1, 2], lambda i: (month_mask >> i) & 1 = 0),
            lambda i: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des']
                          [quarter_index % 4 * 3 + 1 + i] || ' ' || (quarter_index // 4)::varchar), ', ')
                                                 as missing_months,
        -- the report's completeness rule: all three months of Kunjungan and at least one Kegiatan
        months_reported = 3 and activities >= 1  as complete,
        case
            when months_reported = 3 and activities >= 1 then 'lengkap'
            when months_reported = 0 and activities = 0 and beneficiaries = 0 then 'tidak lapor'
            else 'tidak lengkap'
        end                                      as status
    from joined
)
select * from final;

-- report_internal.registered_village_quarters: the grid of report.quarterly_indicators, one row
-- per registered village and quarter from the first quarter anybody reported in to the last.
create or replace view report_internal.registered_village_quarters as
select * from report_internal.village_quarters(null);
