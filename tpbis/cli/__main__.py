"""`python -m tpbis.cli ...`: the same as the `tpbis` command."""
from tpbis.cli import run

run()
