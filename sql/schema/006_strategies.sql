-- The TPBIS strategies (the `strategi` rows of config/categories.csv) and their display order,
-- replaced whole whenever the reference tables are loaded (tpbis/warehouse/store.py). The
-- report views, extract and portal queries join it instead of naming strategies themselves.
create table if not exists core.strategies (
    strategy       varchar primary key,
    strategy_order integer not null     -- 1, 2, 3 ...: the order of config/categories.csv
);
