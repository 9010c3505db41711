"""Peer: APScheduler 3 (Debian's python3-apscheduler), measured the way bench/jobclock/*.ts measures
jobclock. Prints one line `RESULT {json}`.

  burst  --store memory|sqlalchemy --n N   N one-off jobs all due at one instant T: fire rate
                                           (N over T..last start) and lateness (start - T)
  steady --jobs 1|1000 --duration-ms D      the plan of bench/lib/steady-plan.ts: lateness of every
                                           run scheduled in the window

BackgroundScheduler with its defaults (ThreadPoolExecutor of 10), misfire_grace_time=None as
jobclock's runs. The SQLAlchemy store is a fresh SQLite file, as SQLAlchemyJobStore creates it.
"""
import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

import apscheduler
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

SUBJECT = 'APScheduler %s' % apscheduler.__version__
samples = []
starts = []
lock = threading.Lock()
all_done = threading.Event()
expected = [math.inf]


def summarize(values):
    ordered = sorted(values)
    if not ordered:
        return {'count': 0, 'p50': None, 'p99': None, 'max': None}

    def pct(p):
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[min(len(ordered), rank) - 1]

    return {'count': len(ordered), 'p50': pct(50), 'p99': pct(99), 'max': ordered[-1]}


def report(result):
    sys.stdout.write('RESULT ' + json.dumps(result) + '\n')
    sys.stdout.flush()


def utc(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def burst_tick(due_ms):
    started = time.time() * 1000
    with lock:
        samples.append(started - due_ms)
        starts.append(started)
        if len(samples) >= expected[0]:
            all_done.set()


def noop():
    pass


def make_scheduler(store, folder):
    jobstores = {}
    if store == 'sqlalchemy':
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        jobstores['default'] = SQLAlchemyJobStore(url='sqlite:///' + os.path.join(folder, 'jobs.sqlite'))
    return BackgroundScheduler(
        jobstores=jobstores,
        executors={'default': ThreadPoolExecutor(10)},
        job_defaults={'misfire_grace_time': None, 'coalesce': True, 'max_instances': 1},
        timezone=timezone.utc,
    )


def burst(args, folder):
    scheduler = make_scheduler(args.store, folder)
    scheduler.start()
    # The add rate on jobs that never come due tells how far ahead T must be for all N to be in.
    probe = max(100, math.ceil(args.n / 50))
    probe_start = time.time() * 1000
    for i in range(probe):
        scheduler.add_job(noop, 'date', run_date=datetime(2100, 1, 1, tzinfo=timezone.utc), id='probe-%d' % i)
    per_job_ms = (time.time() * 1000 - probe_start) / probe
    due = math.ceil(time.time() * 1000 + max(1000, 1.5 * per_job_ms * args.n + 500))
    for i in range(args.n):
        scheduler.add_job(burst_tick, 'date', run_date=utc(due), args=[due], id='burst-%d' % i)
    added_by = time.time() * 1000
    if added_by > due:
        raise SystemExit('adding ended %d ms after the jobs were due' % (added_by - due))
    expected[0] = args.n
    if len(samples) >= args.n:
        all_done.set()
    if not all_done.wait(timeout=(due - added_by) / 1000 + 600):
        raise SystemExit('only %d of %d jobs ran within 10 minutes' % (len(samples), args.n))
    scheduler.shutdown(wait=True)
    label = 'memory' if args.store == 'memory' else 'sqlite'
    report({
        'scenario': 'burst ' + label,
        'subject': SUBJECT + ('' if args.store == 'memory' else ' (SQLAlchemyJobStore)'),
        'count': args.n,
        'rate': args.n / ((max(starts) - due) / 1000),
        'lateness': summarize(samples),
        'figures': {'lead ms': round(due - added_by)},
    })


def steady_plan(jobs, base):
    if jobs == 1:
        return [(base, 1000)]
    return [(base + (i * 13) % 1000, 1000 * (1 + i % 5)) for i in range(jobs)]


def steady(args, folder):
    scheduler = make_scheduler('memory', folder)
    scheduler.start()
    base = math.ceil((time.time() * 1000 + 2000) / 1000) * 1000 + args.phase_ms
    end = base + args.duration_ms
    plan = steady_plan(args.jobs, base)

    def tick(start_ms, interval_ms):
        now = time.time() * 1000
        # The run's scheduled time is the last point of its grid at or before now.
        scheduled = start_ms + math.floor((now - start_ms) / interval_ms) * interval_ms
        if scheduled < end:
            with lock:
                samples.append(now - scheduled)

    for i, (start_ms, interval_ms) in enumerate(plan):
        scheduler.add_job(tick, 'interval', seconds=interval_ms / 1000, start_date=utc(start_ms),
                          args=[start_ms, interval_ms], id='steady-%d' % i)
    if time.time() * 1000 > base:
        raise SystemExit('adding the steady jobs took longer than the lead')
    time.sleep((end + 100) / 1000 - time.time())
    scheduler.shutdown(wait=True)
    runs = sum(math.ceil((end - s) / iv) for s, iv in plan if s < end)
    report({
        'scenario': 'steady %d memory' % args.jobs,
        'subject': SUBJECT,
        'count': len(samples),
        'rate': len(samples) / (args.duration_ms / 1000),
        'lateness': summarize(samples),
        'figures': {'runs expected': runs},
    })


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['burst', 'steady'])
    parser.add_argument('--store', choices=['memory', 'sqlalchemy'], default='memory')
    parser.add_argument('--n', type=int, default=20000)
    parser.add_argument('--jobs', type=int, default=1)
    parser.add_argument('--duration-ms', type=int, default=30000)
    parser.add_argument('--phase-ms', type=int, default=0)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='jobclock-aps-')
    try:
        (burst if args.mode == 'burst' else steady)(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
