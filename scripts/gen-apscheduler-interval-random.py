#!/usr/bin/python3
"""Writes test/fixtures/apscheduler-interval-random.json: a random differential of IntervalTrigger.

Run with Debian's interpreter, which has APScheduler 3.9.1 and pytz:

    /usr/bin/python3 scripts/gen-apscheduler-interval-random.py

Each case is random fractional weeks/days/hours/minutes/seconds (plus hand-picked values where
timedelta's rounding is delicate), a start_date with microseconds, sometimes an end_date, a `now`
before, just after or years after the start, and a sequence of a few hundred fire times from
APScheduler 3.9.1 itself. A sequence is stored as its length, its first and last fire times, a few
samples and the SHA-256 of its milliseconds joined by commas (the full sequences would be tens of
megabytes); test/triggers/interval-random.test.ts replays each through jobclock's IntervalTrigger and
expects the identical hash.

jobclock's fire times are milliseconds: an APScheduler fire time is compared as the millisecond its
microsecond instant lies in (rounded down, as JavaScript's Date.parse reads Python's isoformat()).
Intervals under a millisecond are left out (jobclock fires those at most once per millisecond), and
`now` is a whole millisecond, as jobclock's clock is.
"""

import hashlib
import json
import os
import random
from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import apscheduler
import pytz
from apscheduler.triggers.interval import IntervalTrigger

assert apscheduler.__version__ == '3.9.1', apscheduler.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures',
                   'apscheduler-interval-random.json')
UTC = dt_timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe']
CASES = 3000
SEED = 20260415
# APScheduler returns every fire time through normalize(): datetime.fromtimestamp(dt.timestamp()), a
# float round trip that is exact to the microsecond while timestamps stay below 2**33 seconds (year
# 2242) and shifts them by a microsecond now and then after that (its sequence then drifts off
# start + k * interval; jobclock's does not). Sequences are cut before 2200.
NORMALIZE_EXACT_UNTIL = datetime(2200, 1, 1, tzinfo=UTC)
UNIT_MAX = {'weeks': 3, 'days': 10, 'hours': 50, 'minutes': 200, 'seconds': 1000}
NASTY = [0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.7, 1.0001, 0.001, 0.0015, 0.999999, 1.1, 2.675, 0.0010005,
         0.0010015, 1.0000005, 1.0000015, 1e-7, 5e-7, 2.5e-6, 0.05, 1.9999995]
HAND_PICKED = [
    {'seconds': 0.3}, {'minutes': 1.0001}, {'seconds': 0.001}, {'seconds': 0.0010005}, {'seconds': 0.0010015},
    {'seconds': 1.0000005}, {'seconds': 1.0000015}, {'seconds': 2.5e-6, 'minutes': 1e-4},
    {'seconds': 0.1, 'minutes': 0.1, 'hours': 0.1, 'days': 0.1, 'weeks': 0.1},
    {'weeks': 1 / 3, 'seconds': 1 / 3}, {'hours': 1.0000001}, {'days': 0.0000115740740741},
    {'minutes': 0.5000000000000001}, {'seconds': 1.0000001, 'minutes': 1e-7, 'hours': 1e-7, 'days': 1e-7, 'weeks': 1e-7},
]


def unit_value(rng, unit):
    roll = rng.random()
    if roll < 0.3:
        return round(rng.uniform(0, UNIT_MAX[unit]), rng.randint(1, 7))
    if roll < 0.55:
        return rng.uniform(0, UNIT_MAX[unit])
    if roll < 0.7:
        return rng.randint(0, UNIT_MAX[unit])
    return rng.choice(NASTY) * rng.choice([1, 1, 7, 60, 1000])


def random_units(rng):
    names = rng.sample(list(UNIT_MAX), rng.choice([1, 1, 1, 2, 2, 3, 5]))
    return {name: unit_value(rng, name) for name in names}


def interval_of(units):
    return timedelta(**units)


def random_instant(rng, year_from=1971, year_to=2060):
    start = datetime(year_from, 1, 1, tzinfo=UTC)
    span = (datetime(year_to, 1, 1, tzinfo=UTC) - start).total_seconds()
    return start + timedelta(seconds=int(rng.uniform(0, span)), microseconds=rng.randrange(1_000_000))


def date_string(rng, instant, zone_name):
    """A date option three ways: naive wall time in the zone, with the zone's offset, or Z."""
    roll = rng.random()
    if roll < 0.3 and zone_name != 'UTC' and instant.year < 2037:
        # pytz knows no DST rules past 2037, so APScheduler reads later wall times as standard time.
        return instant.astimezone(ZoneInfo(zone_name)).strftime('%Y-%m-%d %H:%M:%S.%f')
    if roll < 0.65:
        return instant.astimezone(ZoneInfo(zone_name)).isoformat()
    return instant.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def millis(dt):
    return (dt - EPOCH) // timedelta(milliseconds=1)


def iso_ms(ms):
    return (EPOCH + timedelta(milliseconds=ms)).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def sequence(trigger, now, length):
    fires, previous = [], None
    for _ in range(length):
        fire = trigger.get_next_fire_time(previous, now if previous is None else previous)
        if fire is None:
            break
        fires.append(fire)
        previous = fire
    return fires


def make_case(rng, index, units):
    interval = interval_of(units)
    zone_name = rng.choice(ZONES)
    length = rng.randint(150, 400)
    start = random_instant(rng)
    mode = rng.choice(['before', 'after', 'far'])
    if mode == 'before':
        now = start - timedelta(seconds=rng.uniform(0, 86_400))
    elif mode == 'after':
        now = start + interval * rng.uniform(0, 50)
    else:
        now = start + timedelta(days=rng.uniform(365, 50 * 365))
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # jobclock's clock is milliseconds
    options = {**units, 'start_date': date_string(rng, start, zone_name), 'timezone': zone_name}
    if rng.random() < 0.2:
        first = max(start, now)
        end = first + interval * rng.uniform(0, length) + timedelta(microseconds=rng.randrange(1_000_000))
        options['end_date'] = date_string(rng, end, zone_name)
    trigger = IntervalTrigger(**options)
    fires = sequence(trigger, now, length)
    late = [i for i, fire in enumerate(fires) if fire >= NORMALIZE_EXACT_UNTIL]
    if late:
        length = late[0]  # ask jobclock for as many as are before the float round trip goes inexact
        fires = fires[:length]
    fires_ms = [millis(f) for f in fires]
    samples = sorted(set(rng.sample(range(len(fires_ms)), min(5, len(fires_ms))))) if fires_ms else []
    return {
        'id': f'interval-random-{index}',
        'options': options,
        'interval_us': trigger.interval // timedelta(microseconds=1),
        'now': iso_ms(millis(now)),
        'length': length,
        'count': len(fires_ms),
        'first': iso_ms(fires_ms[0]) if fires_ms else None,
        'last': iso_ms(fires_ms[-1]) if fires_ms else None,
        'samples': [[i, iso_ms(fires_ms[i])] for i in samples],
        'sha256': hashlib.sha256(','.join(map(str, fires_ms)).encode()).hexdigest(),
    }


def main():
    rng = random.Random(SEED)
    cases = []
    for units in HAND_PICKED:
        assert interval_of(units) >= timedelta(milliseconds=1), units
        cases.append(make_case(rng, len(cases), units))
    while len(cases) < CASES:
        index = len(cases)
        units = random_units(rng)
        if interval_of(units) < timedelta(milliseconds=1) and interval_of(units) != timedelta(0):
            continue  # under a millisecond: jobclock deliberately fires at most once per millisecond
        try:
            cases.append(make_case(rng, index, units))
        except OverflowError:
            continue  # past year 9999: APScheduler raises, jobclock ends the schedule
    header = {'generator': 'scripts/gen-apscheduler-interval-random.py', 'apscheduler': apscheduler.__version__,
              'pytz': pytz.__version__, 'seed': SEED,
              'description': 'Random IntervalTrigger sequences (hashed ms); jobclock must produce identical instants.'}
    with open(OUT, 'w') as out:
        out.write(json.dumps(header)[:-1] + ', "cases": [\n')
        out.write(',\n'.join(json.dumps(case) for case in cases))
        out.write('\n]}\n')
    print(f'{OUT}: {len(cases)} cases')


if __name__ == '__main__':
    main()
