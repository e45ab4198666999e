-- The TPBIS strategies in their display order (core.strategies, from config/categories.csv).
select strategy, strategy_order
from core.strategies
order by strategy_order;
