-- Quarter helpers for the report views (numbered so they exist before any view uses them).
-- A quarter is keyed by an integer, quarter_index = year * 4 + quarter - 1 (2022Q4 -> 8091),
-- and shown as text 'YYYYQn'. Why: at 20,000 villages x 10 years, building a 'YYYYQn' string
-- for every fact row is what made quarterly views slow; the label is looked up in a constant
-- list instead (folded once per query), with plain concatenation outside 2015-2040.
create or replace macro report.quarter_index(day) as
    year(day) * 4 + quarter(day) - 1;

create or replace macro report.quarter_label(quarter_index) as
    coalesce(
        list_transform(range(8060, 8164), lambda q: (q // 4)::varchar || 'Q' || (q % 4 + 1)::varchar)
            [quarter_index - 8059],
        (quarter_index // 4)::varchar || 'Q' || (quarter_index % 4 + 1)::varchar);

create or replace macro report.quarter_start(quarter_index) as
    make_date((quarter_index // 4)::int, (quarter_index % 4 * 3 + 1)::int, 1);
