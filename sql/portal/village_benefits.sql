-- One village's beneficiaries (Dampak): initials only, the most recent first.
select month, initials, gender, benefit_type, product, income_before, income_after
from report.benefits
where kode_desa = $kode_desa and starts_with(kode_desa, $prefix)
order by month desc, initials
limit 30;
