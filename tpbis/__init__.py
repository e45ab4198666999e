"""The TPBIS reporting warehouse: sync, warehouse, extracts, portal (see README.md).

Importing it sets `OPENBLAS_NUM_THREADS=1` unless the environment already says otherwise,
before anything imports numpy: nothing here multiplies matrices, and OpenBLAS otherwise starts
a thread per core that spins for ~0.1 s of CPU right after numpy is imported, in every process
that imports it (the command, a sync's fork server, Prefect's flow-run processes). A `tpbis
sync` of 500 villages used 0.3-0.5 s less CPU with it (December 2026, 2 cores).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
