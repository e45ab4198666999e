-- One village's most recent activities.
select activity_date, quarter, title, category, strategy, participants_male, participants_female, partner
from report.activities
where kode_desa = $kode_desa and starts_with(kode_desa, $prefix)
order by activity_date desc, title
limit 15;
