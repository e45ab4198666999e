"""`python -m tpbis.cli ...`: the same as the `tpbis` command."""
from tpbis.cli.main import app

app()
