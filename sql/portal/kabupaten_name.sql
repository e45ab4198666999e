-- The registry's name of the kabupaten with code $prefix (for the extract of a scope).
select any_value(kabupaten) as kabupaten from core.villages where starts_with(kode_desa, $prefix);
