"""Extract scopes come from region codes (contract section 2): one scope per kabupaten code,
named by config/regions.csv, and never two scopes writing one file."""
from __future__ import annotations

import pytest

from tpbis.extract.write import Scope, ScopeError, plan_scopes, planned_files
from tpbis.wib import Quarter
from tpbis.regions import load_reference
from tpbis.settings import CONFIG_DIR

REFERENCE = load_reference(CONFIG_DIR)
Q = Quarter(2022, 4)


def village(kode: str, kabupaten: str, provinsi: str = "Riau") -> dict:
    return {"kode_desa": kode, "kabupaten": kabupaten, "provinsi": provinsi}


def test_one_scope_per_code_named_and_slugged_by_the_reference():
    scopes = plan_scopes([village("14.03.01.2001", "Bengkalis"), village("14.03.02.2002", "Bengkalis"),
                          village("14.72.01.1003", "Kota Dumai")], REFERENCE)
    assert [(s.kabupaten, s.code, s.slug) for s in scopes] == [
        (None, None, "provinsi-riau"), ("Bengkalis", "14.03", "kab-bengkalis"), ("Kota Dumai", "14.72", "kota-dumai")]
    assert len(planned_files(Q, scopes)) == 3 * (1 + 2 * 11)


def test_a_warehouse_synced_before_names_were_resolved_still_gets_the_reference_slug():
    scope = plan_scopes([village("14.03.01.2001", "Kab. Bengkalis")], REFERENCE)[1]
    assert (scope.kabupaten, scope.data_name, scope.slug) == ("Bengkalis", "Kab. Bengkalis", "kab-bengkalis")


def test_one_code_under_two_names_is_refused():
    with pytest.raises(ScopeError, match="villages of 14.03 under several names .*Bengkalis, Kab. Bengkalis"):
        plan_scopes([village("14.03.01.2001", "Bengkalis"), village("14.03.02.2002", "Kab. Bengkalis")], REFERENCE)


def test_one_name_for_two_codes_is_refused():
    with pytest.raises(ScopeError, match="Bengkalis for several region codes"):
        plan_scopes([village("14.03.01.2001", "Bengkalis"), village("14.99.01.2001", "Bengkalis")], REFERENCE)


def test_two_scopes_that_would_write_one_file_are_refused_before_writing():
    twins = [Scope("Riau", "Bengkalis", "14.03"), Scope("Riau", "Kab. Bengkalis", "14.98")]
    with pytest.raises(ScopeError, match="would both write laporan-triwulan-2022Q4-kab-bengkalis.xlsx"):
        planned_files(Q, twins)
    provinces = [Scope("Riau"), Scope("RIAU")]
    with pytest.raises(ScopeError, match="provinsi-riau"):
        planned_files(Q, provinces)


@pytest.mark.parametrize("typed", ["14.03", "Bengkalis", "kab. bengkalis", "KABUPATEN  BENGKALIS", "kab-bengkalis"])
def test_kabupaten_option_finds_the_code(typed):
    assert REFERENCE.find("kabupaten", typed).code == "14.03"


@pytest.mark.parametrize("typed, code", [("Dumai", "14.72"), ("kota-pekanbaru", "14.71"), ("Kota Pekanbaru", "14.71")])
def test_kota_option_finds_the_code(typed, code):
    assert REFERENCE.find("kabupaten", typed).code == code
