"""The scheduler: APScheduler 3 ticks, one elected leader per store, the store decides the rest.

APScheduler 3 runs every job in every process that shares a job store, so it does not keep a
store of its own here: it only drives a periodic `tick` in each server process. A tick does
anything only in the leader (a PostgreSQL advisory lock held on a dedicated connection, or a
file lock next to a SQLite database). The leader sweeps timed-out runs, claims retries and due
slots through processes.engine (whose unique slots keep runs exactly once even while two
leaders overlap during a hand-over) and runs the claimed executions in a thread pool.

When the leader dies its lock goes with its connection or file handle, and another process
takes over on its next tick. Time comes from an injectable clock, so tests drive ticks by hand.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from filelock import FileLock, Timeout
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from behflow_server import metrics
from behflow_server.config import Settings
from behflow_server.db import Database, utcnow
from behflow_server.errors import NotFound
from behflow_server.processes import defaults, engine
from behflow_server.processes.engine import Clock

if TYPE_CHECKING:  # the context names these parts; they only need its type
    from behflow_server.context import AppContext

log = logging.getLogger("behflow.scheduler")
ADVISORY_LOCK_KEY = zlib.crc32(b"behflow-scheduler-leader")


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class PgAdvisoryLock:
    """pg_try_advisory_lock on a connection of its own: held exactly as long as it lives."""

    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(url, poolclass=NullPool)
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.held()
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = connection.execute(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar_one()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("scheduler: cannot reach the database for leader election: %s", exc)
            return False
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            self._drop()
            return False

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                connection.invalidate()

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                self._connection.close()
            except sa.exc.SQLAlchemyError:
                self._drop()
            self._connection = None
        self._engine.dispose()


class FileLeaderLock:
    """An OS file lock: released by the kernel when its holder exits, even by kill -9."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not thread-local: APScheduler runs each tick on whichever of its threads is free.
        self._lock = FileLock(str(path), thread_local=False)

    def try_acquire(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


def leader_lock_for(db: Database, settings: Settings) -> LeaderLock:
    if db.kind == "postgresql":
        return PgAdvisoryLock(db.url)
    # Beside the database file: the lock guards that file, whichever data dir a server uses.
    database = db.engine.url.database
    if database and database != ":memory:":
        return FileLeaderLock(Path(database).with_name(Path(database).name + ".scheduler.lock"))
    return FileLeaderLock(settings.ensure_data_dir() / "scheduler.lock")


class Scheduler:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        lock: LeaderLock | None = None,
        inline: bool = False,
        worker: str = engine.WORKER,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.lock = lock or leader_lock_for(db, settings)
        self.worker = worker
        self.is_leader = False
        self._inline = inline
        self._pool = ThreadPoolExecutor(
            max_workers=settings.scheduler_workers, thread_name_prefix="behflow-job"
        )
        self._aps: BackgroundScheduler | None = None
        self._tick_lock = threading.Lock()

    @classmethod
    def start_for(cls, context: AppContext) -> Scheduler:
        scheduler = cls(context.db, context.settings, clock=context.clock)
        scheduler.start()
        context.scheduler = scheduler
        return scheduler

    def _lead(self) -> bool:
        leading = self.lock.held() if self.is_leader else self.lock.try_acquire()
        if leading and not self.is_leader:
            log.info("scheduler: %s is now the leader", self.worker)
            with self.db.session() as session:
                defaults.ensure_system_processes(session, self.clock())
        elif self.is_leader and not leading:
            log.warning("scheduler: %s lost the leadership", self.worker)
        self.is_leader = leading
        metrics.scheduler_leader(leading)
        return leading

    def tick(self) -> list[uuid.UUID]:
        """One round: if leading, sweep, claim and start what is due; returns what it started."""
        with self._tick_lock:
            if not self._lead():
                return []
            now = self.clock()
            with self.db.session() as session:
                engine.fail_timed_out(session, now)
                claimed = engine.claim_retries(session, now, worker=self.worker)
                claimed += engine.claim_due(
                    session, now, settings=self.settings, worker=self.worker
                )
        if claimed:
            log.debug("scheduler: starting %d run(s)", len(claimed))
        for execution_id in claimed:
            if self._inline:
                self._run(execution_id)
            else:
                self._pool.submit(self._run, execution_id)
        return claimed

    def _run(self, execution_id: uuid.UUID) -> None:
        try:
            engine.run_execution(self.db, execution_id, settings=self.settings, clock=self.clock)
        except NotFound:
            log.info("scheduler: execution %s ended with its deleted process", execution_id)
        except Exception:
            log.exception("scheduler: execution %s could not be recorded", execution_id)

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # a bad round must not stop the next one
            log.exception("scheduler: tick failed")

    def start(self) -> None:
        # APScheduler logs two lines per tick at info; ours logs claimed runs at debug.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        self._aps = BackgroundScheduler(timezone="UTC")
        self._aps.add_job(
            self._safe_tick,
            "interval",
            seconds=self.settings.scheduler_tick_seconds,
            next_run_time=utcnow(),
            id="behflow-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._aps.start()

    def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=True)
            self._aps = None
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._tick_lock:
            self.lock.release()
            self.is_leader = False
            metrics.scheduler_leader(False)
