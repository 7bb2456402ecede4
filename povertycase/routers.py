"""Report reads on a read replica, when one is configured (`DATABASE_REPLICA_URL`).

Reports read figures kept as data (households/tallies.py): a few rows that a replica a moment
behind serves as well as the primary, which keeps its capacity for the writes. Only the reads
of a report (the API's reports and forms, the report page) go there; authentication, every
write and every other read stay on the primary, so nobody reads their own write stale."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

REPLICA = "replica"
_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)


@contextmanager
def report_reads():
    """Inside, reads go to the replica if there is one."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_reports.get() and REPLICA in connections.settings:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on either side

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None  # the replica follows the primary's schema


class ReportReads:
    """For a DRF view: the report's reads on the replica, after authentication and permissions
    (which read the primary)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._report_reads = report_reads()
        self._report_reads.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        if reads := getattr(self, "_report_reads", None):
            self._report_reads = None
            reads.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)
