-- One village's partners (Mitra).
select partner_name, partner_type, support_form, has_mou, mou_date, support_value_rp
from report.partners
where kode_desa = $kode_desa and starts_with(kode_desa, $prefix)
order by partner_name;
