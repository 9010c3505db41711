#!/usr/bin/python3
"""A random differential of trigger cases against APScheduler 3.9.1: interval, cron and date triggers
with random fields, dates in the forms people write, and time zones.

    /usr/bin/python3 scripts/gen-apscheduler-random-differential.py [CASES] [OUT] [SEED]

(Debian's `python3-apscheduler` package is 3.9.1.) Writes OUT (default
/tmp/apscheduler-random-differential.json): each case's options as a REST body would give them, the
`now` it starts from, and APScheduler's first fire times (ISO 8601) or the error it raised (with
the fire times it gave before the error, if any).
`npx tsx scripts/replay-apscheduler-random-differential.ts OUT` replays them through jobclock and
sorts every difference into the documented kinds (README, "Differences from APScheduler") or
"unexplained". The output is not committed (10,000 cases are several megabytes); the seed makes it
reproducible.
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone as dt_timezone

import apscheduler
import apscheduler.triggers.interval as aps_interval
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

assert apscheduler.__version__ == '3.9.1', apscheduler.__version__

CASES = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
OUT = sys.argv[2] if len(sys.argv) > 2 else '/tmp/apscheduler-random-differential.json'
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 20261202
LENGTH = 8
UTC = dt_timezone.utc
ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Europe/Paris', 'Asia/Kolkata',
         'America/Sao_Paulo', 'Pacific/Chatham']
DOW_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']


def numeric_field(rng, lo, hi, names=None):
    roll = rng.random()
    a, b = sorted(rng.sample(range(lo, hi + 1), 2))
    pick = (lambda v: names[v - lo]) if names and rng.random() < 0.5 else str
    if roll < 0.25:
        return pick(rng.randint(lo, hi))
    if roll < 0.4:
        return f'{pick(a)}-{pick(b)}'
    if roll < 0.55:
        return f'*/{rng.randint(1, max(1, (hi - lo) // 2))}'
    if roll < 0.65:
        # Now and then with names (`mon-fri/2`): APScheduler reads the names and ignores the step.
        first, last = (pick(a), pick(b)) if names and rng.random() < 0.2 else (a, b)
        return f'{first}-{last}/{rng.randint(1, max(1, b - a))}'
    if roll < 0.8:
        return ','.join(pick(v) for v in sorted(rng.sample(range(lo, hi + 1), rng.randint(2, 4))))
    if roll < 0.9:
        return f'{a}/{rng.randint(1, max(1, hi - a))}'
    return '*'


def day_field(rng):
    roll = rng.random()
    if roll < 0.15:
        return 'last'
    if roll < 0.3:
        return f'{rng.choice(["1st", "2nd", "3rd", "4th", "5th", "last"])} {rng.choice(DOW_NAMES)}' + ('/2' if rng.random() < 0.03 else '')
    return numeric_field(rng, 1, 31)


def date_text(rng, base):
    """A date as people write one: space or T, with or without seconds, offset, Z; now and then odd
    (one-digit parts, lowercase t/z, surrounding spaces, offsets without a colon, long fractions, 24:00)."""
    moment = base + timedelta(seconds=rng.randint(0, 4 * 365 * 86400))
    short = f'{moment.year}-{moment.month}-{moment.day}'
    roll = rng.random()
    if roll < 0.25:
        return moment.strftime('%Y-%m-%d %H:%M:%S')
    if roll < 0.37:
        return moment.strftime('%Y-%m-%dT%H:%M:%S')
    if roll < 0.45:
        return moment.strftime('%Y-%m-%d')
    if roll < 0.53:
        return moment.strftime('%Y-%m-%dT%H:%M:%S') + rng.choice(['Z', '+02:00', '-05:30', '+00:00'])
    if roll < 0.59:
        return moment.strftime('%Y-%m-%d %H:%M:%S.') + f'{rng.randint(0, 999999):06d}'
    if roll < 0.67:
        # One-digit parts, as APScheduler's regex takes them, with every tail it allows.
        tail = rng.choice(['', '', f'.{rng.randint(0, 9)}', f'.{rng.randint(0, 999999)}', 'Z', '+05:30', f'.{rng.randint(0, 99)}-03:00'])
        time_part = f'{moment.hour}:{moment.minute}:{moment.second}' if rng.random() < 0.5 else f'{moment.hour}:{moment.minute:02d}:{moment.second:02d}'
        return rng.choice([short, f'{short} {time_part}{tail}', f'{short}T{time_part}{tail}'])
    if roll < 0.73:
        text = moment.strftime(rng.choice(['%Y-%m-%dt%H:%M:%Sz', '%Y-%m-%dt%H:%M:%S', '%Y-%m-%dT%H:%M:%Sz', '%Y-%m-%dt%H:%M:%S+01:00']))
        return rng.choice([text, f'{short}t{moment.hour}:{moment.minute}:{moment.second}z'])
    if roll < 0.79:
        text = rng.choice([moment.strftime('%Y-%m-%d %H:%M:%S'), moment.strftime('%Y-%m-%d'), moment.strftime('%Y-%m-%dT%H:%M:%SZ'), short])
        return rng.choice([' ', '  ', '']) + text + rng.choice([' ', '  ', '\t']) if rng.random() < 0.5 else ' ' + text
    if roll < 0.83:
        return moment.strftime(rng.choice(['%Y-%m-%dT%H:%M:%S+0200', '%Y-%m-%dT%H:%M:%S-05', '%Y-%m-%d %H:%M:%S.%f1']))
    if roll < 0.84:
        return moment.strftime('%Y-%m-%d') + rng.choice(['T24:00:00', ' 24:00:00'])
    if roll < 0.92:
        return moment.strftime(rng.choice(['%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M'])) if rng.random() < 0.8 else f'{short} {moment.hour}:{moment.minute}'
    return moment.strftime('%Y-%m-%d %H:%M')


def common(rng, options):
    roll = rng.random()
    options['timezone'] = '' if roll < 0.02 else rng.choice(ZONES)
    base = datetime(2029, 1, 1)
    if rng.random() < 0.6:
        options['start_date'] = date_text(rng, base)
    if rng.random() < 0.3:
        options['end_date'] = date_text(rng, base)


def interval_case(rng):
    options = {}
    for unit, hi in (('weeks', 4), ('days', 10), ('hours', 48), ('minutes', 180), ('seconds', 600)):
        if rng.random() < 0.35:
            options[unit] = rng.randint(0, hi) if rng.random() < 0.8 else round(rng.uniform(0, hi), rng.randint(1, 4))
    if rng.random() < 0.015:
        # Around and over 1000 years, in any unit.
        unit, value = rng.choice([('weeks', 60_000), ('weeks', 53_000), ('weeks', 52_000), ('days', 400_000), ('days', 365_000),
                                  ('hours', 9_000_000), ('minutes', 6e8), ('seconds', 4e10), ('weeks', 5e6)])
        options[unit] = value
    common(rng, options)
    return options


def cron_case(rng):
    options = {}
    fields = [('year', lambda: str(rng.randint(2029, 2034)) if rng.random() < 0.5 else f'{rng.randint(2029, 2031)}-{rng.randint(2032, 2035)}'),
              ('month', lambda: numeric_field(rng, 1, 12, MONTH_NAMES)),
              ('day', lambda: day_field(rng)),
              ('week', lambda: numeric_field(rng, 1, 53)),
              ('day_of_week', lambda: numeric_field(rng, 0, 6, DOW_NAMES)),
              ('hour', lambda: numeric_field(rng, 0, 23)),
              ('minute', lambda: numeric_field(rng, 0, 59)),
              ('second', lambda: numeric_field(rng, 0, 59))]
    odds = {'year': 0.05, 'month': 0.25, 'day': 0.3, 'week': 0.04, 'day_of_week': 0.3, 'hour': 0.6, 'minute': 0.6,
            'second': 0.3}
    for name, make in fields:
        if rng.random() < odds[name]:
            options[name] = make()
    common(rng, options)
    return options


def date_case(rng):
    options = {'run_date': date_text(rng, datetime(2029, 1, 1))}
    options['timezone'] = '' if rng.random() < 0.01 else rng.choice(ZONES)
    return options


def aps_options(options):
    """REST options as APScheduler's constructors take them (`timezone` a name, "" as no zone)."""
    out = {key: value for key, value in options.items()}
    if out.get('timezone') == '':
        del out['timezone']
    return out


class FrozenNow(datetime):
    """`datetime` whose now() is the case's `now`: IntervalTrigger's default start_date is now + interval."""
    frozen = None

    @classmethod
    def now(cls, tz=None):
        return cls.frozen.astimezone(tz)


aps_interval.datetime = FrozenNow


def sequence(trigger, now, fires):
    previous = None
    for _ in range(LENGTH):
        fire = trigger.get_next_fire_time(previous, now if previous is None else previous)
        if fire is None:
            break
        fires.append(fire.isoformat())
        previous = fire


def main():
    rng = random.Random(SEED)
    makers = {'interval': (interval_case, IntervalTrigger), 'cron': (cron_case, CronTrigger), 'date': (date_case, DateTrigger)}
    cases = []
    for index in range(CASES):
        kind = rng.choices(['interval', 'cron', 'date'], weights=[3, 5, 2])[0]
        make, trigger_class = makers[kind]
        options = make(rng)
        now = datetime(2029, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 5 * 365 * 86400))
        FrozenNow.frozen = now
        fires = []
        case = {'id': f'{kind}-{index}', 'kind': kind, 'options': options, 'now': now.isoformat(), 'length': LENGTH}
        try:
            sequence(trigger_class(**aps_options(options)), now, fires)
            case['apscheduler'] = fires
        except Exception as error:  # what APScheduler refuses (or raises later), for the replay to compare
            case['apscheduler'] = f'{type(error).__name__}: {error}'
            if fires:
                case['apscheduler_fires_before_error'] = fires
        cases.append(case)
    with open(OUT, 'w') as out:
        json.dump({'generator': 'scripts/gen-apscheduler-random-differential.py', 'apscheduler': apscheduler.__version__,
                   'seed': SEED, 'cases': cases}, out)
    print(f'{len(cases)} cases -> {OUT}')


main()
