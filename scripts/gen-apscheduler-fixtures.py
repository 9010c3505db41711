#!/usr/bin/python3
"""Writes test/fixtures/apscheduler-*.json: fire-time sequences computed by APScheduler 3.9.1.

Run with Debian's interpreter, which has APScheduler 3.9.1 and pytz:

    /usr/bin/python3 scripts/gen-apscheduler-fixtures.py

The TypeScript tests replay every case through jobclock's triggers and expect identical instants, so
the JSON is committed and the tests never need Python.

jobclock's contract differs from APScheduler 3 on purpose in two places:

* Daylight saving time. APScheduler 3 does its cron arithmetic on pytz datetimes: a wall time that
  does not exist (clocks go forward) is "localized" with the old offset and fires one DST shift late,
  and after clocks go back it can fire a repeated wall time twice (or at its earlier occurrence,
  depending on the path its search took). The contract says a non-existent wall time is skipped and a
  repeated one fires once; jobclock fires it at its later occurrence (pytz's is_dst=False, what
  APScheduler 3 itself picks for daily schedules). For every cron case this script also computes
  the contract's sequence with an independent reference (APScheduler's field search run on naive wall
  times, mapped to instants with zoneinfo by the contract's rules). Cases where the two agree go to
  apscheduler-cron.json; cases where they differ go to apscheduler-cron-dst-deviations.json with
  both sequences and the reason, and the script fails if a difference is not one of those DST reasons.
* CronTrigger.from_crontab. APScheduler 3 passes the crontab day of week through with 0 = Monday (a
  known bug; 7 is even rejected). jobclock reads it as crontab does (0 and 7 = Sunday). The crontab
  cases record APScheduler's output next to the expected one, computed by APScheduler from the
  corrected day-of-week written by hand below.
"""

import json
import os
from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import apscheduler
import pytz
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import datetime_ceil

assert apscheduler.__version__ == '3.9.1', apscheduler.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
UTC = dt_timezone.utc
ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe']
SEQUENCE_LENGTH = 15
MICROSECOND = timedelta(microseconds=1)


def iso(dt, zone_name):
    """An aware datetime as ISO 8601 in the zone (pytz may label a non-existent time oddly)."""
    return dt.astimezone(ZoneInfo(zone_name)).isoformat()


def naive(dt, zone_name):
    """The wall time of an instant in a zone, as APScheduler's date strings write it."""
    return dt.astimezone(ZoneInfo(zone_name)).strftime('%Y-%m-%d %H:%M:%S')


def transitions(zone_name, year=2030):
    """The instants in `year` where the zone's offset changes (UTC: London's, to have the same starts)."""
    zone = ZoneInfo('Europe/London' if zone_name == 'UTC' else zone_name)
    found = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        after = t + timedelta(hours=1)
        if t.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            lo, hi = t, after
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == t.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0))
        t = after
    assert len(found) == 2, (zone_name, found)
    return found


def starts(zone_name):
    """Search start times: 3 days, 2 hours and 90 seconds before each DST change of 2030."""
    result = []
    for change in transitions(zone_name):
        for before in (timedelta(days=3), timedelta(hours=2), timedelta(seconds=90)):
            result.append(change - before)
    return result


def sequence(next_fire_time, now, length=SEQUENCE_LENGTH):
    """Iterates get_next_fire_time as a scheduler does: each fire time becomes the previous one."""
    fires, previous = [], None
    for _ in range(length):
        fire = next_fire_time(previous, now if previous is None else previous)
        if fire is None:
            break
        fires.append(fire)
        previous = fire
    return fires


# --- The contract's reference: APScheduler's field search on naive wall times, mapped by zoneinfo ---

def wall_exists(wall, zone):
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def is_repeated(wall, zone):
    return wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset() \
        and wall_exists(wall, zone)


def contract_next_fire_time(fields, zone_name, start_date, end_date):
    zone = ZoneInfo(zone_name)
    wall_engine = CronTrigger(timezone=pytz.utc, **fields)

    def next_fire_time(previous, now):
        if previous:
            start = min(now, previous + MICROSECOND)
            if start == previous:
                start += MICROSECOND
        else:
            start = max(now, start_date) if start_date else now
        local = datetime_ceil(start).astimezone(zone)
        wall = local.replace(tzinfo=None)
        if local.fold == 0 and is_repeated(wall, zone):
            # In the first pass of a repeated hour: every repeated wall time's later occurrence is
            # still ahead, so the search starts at the repeat's first wall time (a whole minute).
            wall = wall.replace(second=0)
            while is_repeated(wall - timedelta(minutes=1), zone):
                wall -= timedelta(minutes=1)
        while True:
            found = wall_engine.get_next_fire_time(None, wall.replace(tzinfo=pytz.utc))
            if found is None:
                return None
            wall = found.replace(tzinfo=None)
            if not wall_exists(wall, zone):
                # Skipped: go on from the first wall time after the gap (gaps end on a whole minute).
                while not wall_exists(wall, zone):
                    wall = wall.replace(second=0) + timedelta(minutes=1)
                continue
            # fold=1 is the later occurrence of a repeated wall time (the same instant when not repeated).
            fire = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
            return None if end_date and fire > end_date else fire

    return next_fire_time


def explain_difference(aps_fires, contract_fires, zone_name, now):
    """Why APScheduler 3's sequence differs from the contract's, or an AssertionError."""
    zone = ZoneInfo(zone_name)
    reasons = set()
    local_now = now.astimezone(zone)
    if local_now.fold == 0 and is_repeated(local_now.replace(tzinfo=None, microsecond=0), zone) \
            and contract_fires and aps_fires and contract_fires[0] < aps_fires[0]:
        # Repeated wall times fire at their later occurrence, which for every wall time of the repeated
        # hour is still ahead; APScheduler 3 instead goes on from the current wall time (sometimes).
        reasons.add('started in the first pass of a repeated hour: later occurrences before now\'s wall time skipped')
    walls = [f.astimezone(zone).replace(tzinfo=None) for f in aps_fires]
    for fire in aps_fires:
        labelled = fire.replace(tzinfo=None)  # the wall time APScheduler meant (pytz keeps it as is)
        if not wall_exists(labelled, zone):
            reasons.add('nonexistent wall time not skipped (fired one DST shift late)')
    if len(set(walls)) < len(walls):
        reasons.add('repeated wall time fired twice')
    for fire, wall in zip(aps_fires, walls):
        earlier = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        later = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
        if earlier != later and fire == earlier:
            reasons.add('repeated wall time fired at its earlier occurrence')
    aps_set = set(aps_fires)
    last_aps = aps_fires[-1] if aps_fires else None
    for fire in contract_fires:
        wall = fire.astimezone(zone).replace(tzinfo=None)
        if last_aps and fire < last_aps and fire not in aps_set and not is_repeated(wall, zone):
            # APScheduler adds a wall-clock difference to a datetime carrying the old offset, then
            # normalizes: across a DST change the wall clock moves by the shift and a valid time is lost.
            reasons.add('valid wall time skipped: pytz arithmetic across the DST change shifted the wall clock')
    assert reasons, ('unexplained difference', zone_name, aps_fires, contract_fires)
    return sorted(reasons)


# --- Cron cases ---

def window(hours_from, hours_to, with_offset=False):
    """start/end dates relative to the case's start time (naive strings read in the zone, or with offset)."""
    def make(now, zone_name):
        start, end = now + timedelta(hours=hours_from), now + timedelta(hours=hours_to)
        if with_offset:
            return {'start_date': iso(start, zone_name), 'end_date': iso(end, zone_name).replace('T', ' ')}
        return {'start_date': naive(start, zone_name), 'end_date': naive(end, zone_name)}
    return make


CRON_EXPRESSIONS = [
    {'minute': '*/15'},
    {'minute': '0'},
    {'minute': 30},
    {'hour': '2', 'minute': '30'},
    {'hour': '1', 'minute': '30'},
    {'hour': 2, 'minute': 15},
    {'hour': '1', 'minute': '45'},
    {'hour': '0-3', 'minute': '*/30'},
    {'hour': '1-2', 'minute': '0,30'},
    {'second': '*/20'},
    {'second': '0,15,30,45', 'minute': '*/2'},
    {'second': '30', 'minute': '*/7'},
    {'hour': '*/5', 'minute': '10-50/20'},
    {'minute': '5/10'},
    {'day_of_week': 'mon-fri', 'hour': '9'},
    {'day_of_week': 'sun', 'hour': '1-3'},
    {'day_of_week': '*/2', 'hour': '3'},
    {'day_of_week': '6', 'hour': '1', 'minute': '30'},
    {'day_of_week': 'sat-sun', 'hour': '0-6/3', 'minute': '15,45'},
    {'day_of_week': 'mon-fri', 'hour': '8-18/2', 'minute': '0'},
    {'day': 'last'},
    {'day': 'last fri', 'hour': '1', 'minute': '30'},
    {'day': '1st mon'},
    {'day': '2nd tue,4th thu', 'hour': '12'},
    {'day': '5th fri', 'hour': '23', 'minute': '59', 'second': '59'},
    {'day': '1st sun', 'hour': '2', 'minute': '30'},
    {'day': '*/10', 'hour': '12'},
    {'day': '31'},
    {'month': 'feb', 'day': '29'},
    {'month': 'jan-mar,oct-dec', 'day': '1-7', 'day_of_week': 'mon'},
    {'month': '3,4,10,11', 'day': '1-10', 'hour': '2', 'minute': '0'},
    {'week': '1-10/3', 'day_of_week': 'sun'},
    {'week': '*/2', 'hour': '1'},
    {'week': '53'},
    {'year': '2030-2031', 'month': '*/4', 'day': '15'},
    {'year': '2032', 'month': 'feb', 'day': 'last'},
    {'minute': '*/30', '_window': window(1, 10)},
    {'minute': '0', '_window': window(-5, 30, with_offset=True)},
    {'second': '*/30', 'minute': '0-10'},
    {},
]


def cron_cases():
    matching, deviations = [], []
    for index, expression in enumerate(CRON_EXPRESSIONS):
        fields = {k: v for k, v in expression.items() if not k.startswith('_')}
        for zone_name in ZONES:
            for now in starts(zone_name):
                options = dict(fields)
                if '_window' in expression:
                    options.update(expression['_window'](now, zone_name))
                trigger = CronTrigger(timezone=zone_name, **options)
                aps = sequence(trigger.get_next_fire_time, now)
                contract = sequence(
                    contract_next_fire_time(fields, zone_name, trigger.start_date, trigger.end_date), now)
                case = {
                    'id': f'cron-{index}-{zone_name}-{now.strftime("%Y%m%dT%H%M%S")}',
                    'options': {**options, 'timezone': zone_name},
                    'now': now.isoformat(),
                    'length': SEQUENCE_LENGTH,
                    'apscheduler': [iso(f, zone_name) for f in aps],
                }
                if aps == contract:
                    matching.append(case)
                else:
                    case['expected'] = [iso(f, zone_name) for f in contract]
                    case['reasons'] = explain_difference(aps, contract, zone_name, now)
                    deviations.append(case)
    return matching, deviations


# --- Interval and date cases ---

def interval_cases():
    cases = []
    specs = [
        ({'minutes': 30}, 'change-2h', 'change-3h'),
        ({'hours': 1}, 'change-2h', 'change-2h'),
        ({'days': 1}, 'change-3d', 'change-3d'),
        ({'weeks': 1, 'days': 2}, 'change-3d', 'change-20d'),
        ({'seconds': 90.5}, 'change-90s', 'change-2h'),
        ({'hours': 1.5, 'minutes': 7}, 'change-2h', 'change-3d'),
        ({}, 'change-90s', 'change-90s'),
        ({'seconds': 0}, 'change-90s', 'change-2h'),
        ({'minutes': 7, '_end': timedelta(hours=1)}, 'change-2h', 'change-2h'),
        ({'hours': 2}, 'change-2h', 'change+0'),
    ]
    offsets = {'change-2h': timedelta(hours=-2), 'change-3h': timedelta(hours=-3), 'change-3d': timedelta(days=-3),
               'change-20d': timedelta(days=-20), 'change-90s': timedelta(seconds=-90), 'change+0': timedelta(0)}
    for index, (spec, now_at, start_at) in enumerate(specs):
        units = {k: v for k, v in spec.items() if not k.startswith('_')}
        for zone_name in ZONES:
            for change in transitions(zone_name):
                now = change + offsets[now_at] + timedelta(seconds=17)
                start = change + offsets[start_at]
                options = {**units, 'start_date': naive(start, zone_name), 'timezone': zone_name}
                if '_end' in spec:
                    options['end_date'] = iso(now + spec['_end'], zone_name)
                trigger = IntervalTrigger(**options)
                cases.append({
                    'id': f'interval-{index}-{zone_name}-{change.strftime("%Y%m%d")}',
                    'options': options,
                    'now': now.isoformat(),
                    'length': SEQUENCE_LENGTH,
                    'apscheduler': [iso(f, zone_name) for f in sequence(trigger.get_next_fire_time, now)],
                })
    return cases


def date_cases():
    run_dates = {
        'UTC': ['2030-03-31 01:30:00', '2030-06-01', '2030-06-01 12:00:00+05:30', '2030-06-01 12:00:00Z'],
        'Europe/London': ['2030-03-31 01:30:00', '2030-10-27 01:30:00', '2030-07-01 09:00:00', '2030-07-01 09:00:00.250000'],
        'America/New_York': ['2030-03-10 02:30:00', '2030-11-03 01:30:00', '2030-01-15 23:59:59', '2030-01-15 10:00:00-08:00'],
        'Australia/Lord_Howe': ['2030-10-06 02:15:00', '2030-04-07 01:45:00', '2030-04-07 02:00:00', '2030-12-25'],
    }
    now = datetime(2030, 1, 1, tzinfo=UTC)
    cases = []
    for zone_name, values in run_dates.items():
        for run_date in values:
            trigger = DateTrigger(run_date=run_date, timezone=zone_name)
            first = trigger.get_next_fire_time(None, now)
            cases.append({
                'id': f'date-{zone_name}-{run_date}',
                'options': {'run_date': run_date, 'timezone': zone_name},
                'now': now.isoformat(),
                'apscheduler': [iso(first, zone_name)],
                'after_first': trigger.get_next_fire_time(first, first),
            })
    return cases


# --- fromCrontab: APScheduler's output next to the contract's (day of week corrected by hand) ---

CRONTAB_CASES = [
    ('0 9 * * 1-5', 'mon-fri'),
    ('30 1 * * 0', 'sun'),
    ('0 12 * * 7', 'sun'),
    ('0 0 * * 0-6/2', 'tue,thu,sat-sun'),
    ('*/20 * * * 6,0', 'sat-sun'),
    ('15 10 * jan-mar mon,wed,fri', 'mon,wed,fri'),
    ('0 18 1-7 * 5', 'fri'),
    ('0 3 * * *', '*'),
]


def crontab_cases():
    cases = []
    now = datetime(2030, 3, 8, 12, 0, tzinfo=UTC)
    for expression, corrected in CRONTAB_CASES:
        for zone_name in ('UTC', 'America/New_York'):
            minute, hour, day, month, _ = expression.split()
            expected = CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=corrected,
                                   timezone=zone_name)
            try:
                aps = [iso(f, zone_name) for f in sequence(
                    CronTrigger.from_crontab(expression, timezone=zone_name).get_next_fire_time, now, 10)]
            except ValueError as error:
                aps = f'ValueError: {error}'
            cases.append({
                'id': f'crontab-{expression}-{zone_name}',
                'crontab': expression,
                'timezone': zone_name,
                'now': now.isoformat(),
                'apscheduler': aps,
                'expected_day_of_week': corrected,
                'expected': [iso(f, zone_name) for f in sequence(expected.get_next_fire_time, now, 10)],
            })
    return cases


def write(name, description, cases):
    path = os.path.join(OUT, name)
    header = {'generator': 'scripts/gen-apscheduler-fixtures.py', 'apscheduler': apscheduler.__version__,
              'pytz': pytz.__version__, 'description': description}
    with open(path, 'w') as out:
        # One case per line: small files, readable diffs when APScheduler or tzdata change.
        out.write(json.dumps(header)[:-1] + ', "cases": [\n')
        out.write(',\n'.join(json.dumps(case, ensure_ascii=False) for case in cases))
        out.write('\n]}\n')
    print(f'{path}: {len(cases)} cases')


def main():
    matching, deviations = cron_cases()
    write('apscheduler-cron.json', 'CronTrigger fire times; jobclock must produce exactly these.', matching)
    write('apscheduler-cron-dst-deviations.json',
          'Cron cases where APScheduler 3 breaks the DST contract; jobclock must produce "expected".', deviations)
    write('apscheduler-interval.json', 'IntervalTrigger fire times; jobclock must produce exactly these.',
          interval_cases())
    write('apscheduler-date.json', 'DateTrigger fire times; jobclock must produce exactly these.', date_cases())
    write('apscheduler-crontab.json',
          'from_crontab: APScheduler 3 reads day of week with 0 = Monday; jobclock must produce "expected".',
          crontab_cases())


if __name__ == '__main__':
    main()
