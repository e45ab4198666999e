-- One village's indicators, quarter by quarter.
select quarter, quarter_index, months_reported, visitors_male, visitors_female, visitors_total,
    activities, participants_male, participants_female, participants_total, beneficiaries
from p_village_quarters
where kode_desa = $kode_desa and starts_with(kode_desa, $prefix)
order by quarter_index;
