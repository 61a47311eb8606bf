"""Background jobs (being written: see core/jobs/models.py)."""


def run_worker(burst: bool = False) -> int:
    raise NotImplementedError
