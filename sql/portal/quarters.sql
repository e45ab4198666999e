-- The quarters in which any village of the scope reported, oldest first.
select distinct quarter, quarter_index
from p_village_quarters
where starts_with(kode_desa, $prefix)
order by quarter_index;
