"""Which Prefect task runner the nightly sync's fetch step runs on (env TPBIS_TASK_RUNNER).

The fetch step is the only part of the sync worth spreading: it waits on Google, while
transform and load run in the flow's own process (DuckDB has one writer). Threads are
enough for one machine and one service account; Dask lets chunks run in other processes or
on other machines. Processes do not share the in-process rate limiter, so a distributed
run must share the quota through a Prefect global concurrency limit (tpbis.global_limit).

    threads (default)  ThreadPoolTaskRunner(max_workers=2): two chunks in flight, fetched on
                       plain threads of the flow (no task run each: flows.nightly_sync.chunk_fetches)
    dask               prefect_dask.DaskTaskRunner: a LocalCluster of 2 worker processes, or
                       the cluster at TPBIS_DASK_ADDRESS (tcp://scheduler:8786) when set

The choice is read when the flow module is imported, which is what a served deployment or a
work-pool worker does for every run (each run imports the flow in a fresh process).
"""
from __future__ import annotations

RUNNERS = ("threads", "dask")
CHUNKS_IN_FLIGHT = 2        # chunk fetches at once on threads (flows.nightly_sync.chunk_fetches too)


def make_task_runner(name: str | None = None, env: dict[str, str] | None = None):
    """A task runner by name (`threads`, `dask`); None = env TPBIS_TASK_RUNNER, default threads."""
    from tpbis.settings import SettingError, Settings
    settings = Settings.from_env(env)
    name = (name or settings.task_runner).strip().lower()
    if name == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner
        return ThreadPoolTaskRunner(max_workers=CHUNKS_IN_FLIGHT)
    if name == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as e:  # an extra, not a core dependency
            raise RuntimeError("TPBIS_TASK_RUNNER=dask needs prefect-dask: pip install -e '.[dask]'") from e
        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # Processes, not threads: this is the configuration that proves the flow survives
        # pickling and per-process state, i.e. that it would run on other machines too.
        return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                              cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    raise SettingError(f"TPBIS_TASK_RUNNER must be one of {', '.join(RUNNERS)}, not {name!r}")
