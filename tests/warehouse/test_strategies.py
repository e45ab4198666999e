"""The TPBIS strategy list is data: core.strategies, loaded from config/categories.csv."""
import duckdb
import pandas as pd

from tests import small_warehouse as sw
from tpbis import registry
from tpbis.settings import CONFIG_DIR
from tpbis.warehouse import records, store
from transforms.reference import load_reference


def _strategies(con):
    return con.execute("select strategy, strategy_order from core.strategies order by strategy_order").fetchall()


def test_a_new_warehouse_holds_the_strategies_of_the_config_in_their_order(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    store.apply_schema(con)
    shipped = load_reference(CONFIG_DIR).category_values["strategi"]
    assert _strategies(con) == [(name, i) for i, name in enumerate(shipped, start=1)]
    assert [s for s, _ in _strategies(con)][0] == "Peningkatan Layanan Informasi"


def test_report_views_follow_the_loaded_strategy_list(tmp_path):
    path = sw.build(tmp_path / "w.duckdb")
    con = duckdb.connect(str(path))
    villages = pd.DataFrame([(*v[:6], str(v[6]), f"key-{v[0]}") for v in sw.VILLAGES], columns=[
        "kode_desa", "desa", "kecamatan", "kabupaten", "provinsi", "kelompok", "tahun_kelompok", "spreadsheet_key"])
    records.load_reference_tables(con, villages, registry.read_regions(CONFIG_DIR),
                                ["Advokasi", "Pelibatan Masyarakat", "Peningkatan Layanan Informasi", "Literasi Baru"])
    store.apply_schema(con)             # re-applied on the next open: the loaded list is kept
    assert _strategies(con)[-1] == ("Literasi Baru", 4)
    rows = con.execute("""select strategy, strategy_order, sum(activities) from report.activities_by_strategy
        group by all order by strategy_order""").fetchall()
    assert [r[:2] for r in rows] == [("Advokasi", 1), ("Pelibatan Masyarakat", 2),
                                     ("Peningkatan Layanan Informasi", 3), ("Literasi Baru", 4)]
    assert rows[-1][2] == 0            # a strategy nobody worked on keeps its rows, with zeros
    # activities_pli/pm/adv count by position in the list (here 1 = Advokasi)
    adv = con.execute("select sum(activities) from report.activities_by_strategy where strategy = 'Advokasi'").fetchone()
    first = con.execute("select sum(activities_pli) from report_internal.base_village_quarters").fetchone()
    assert adv == first and adv[0] > 0
