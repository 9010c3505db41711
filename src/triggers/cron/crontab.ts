import { CronExpressionParser, type CronFieldCollection } from 'cron-parser';
import { ValidationError } from '../../errors.js';
import { describe } from '../dates.js';
import { CrontabDayExpression, ValueSetExpression } from './crontab-expressions.js';
import { CronField } from './fields.js';

/*
 * Crontab lines in cron-parser 5's dialect. cron-parser itself parses every line (one grammar, not
 * ours); this file only refuses what makes no sense for a scheduler, names the field an error is
 * in, and turns cron-parser's expanded fields into the fields of jobclock's own search, so fire
 * times (and DST) come from the engine every cron trigger uses.
 */

/** Vixie cron's alias cron-parser lacks. */
const EXTRA_NICKNAMES: Readonly<Record<string, string>> = { '@midnight': '@daily' };
/** cron-parser 5's nicknames (its `PredefinedExpressions`, not exported), for error messages only. */
const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@minutely', '@secondly', '@weekdays', '@weekends'];

const FIELD_NAMES_5 = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const FIELD_NAMES_6 = ['second', ...FIELD_NAMES_5] as const;

/**
 * Parses a crontab line (5 fields, or 6 with seconds first, or a nickname such as `@daily`) into the
 * eight fields of jobclock's cron search. Throws {@link ValidationError} naming the field and the
 * reason for anything cron-parser refuses, for `@reboot`, and for cron-parser's hashed `H` values.
 *
 * @example
 * parseCrontab('0 9 * * mon-fri').map(String) // ['*', '1,2,…,12', 'crontab', '*', '*', '9', '0', '0']
 */
export function parseCrontab(line: unknown): CronField[] {
  if (typeof line !== 'string') {
    throw new ValidationError(`crontab must be a string such as "0 9 * * mon-fri", got ${describe(line)}`);
  }
  const expression = expandNickname(line);
  const fields = expression.trim().split(/\s+/);
  if (!expression.startsWith('@')) {
    if (expression.trim() === '' || (fields.length !== 5 && fields.length !== 6)) {
      throw invalid(line, `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got ${expression.trim() === '' ? 0 : fields.length}`);
    }
    // In month and day of week, cron-parser reads three letters as a name first (THU is Thursday).
    const hashed = fields.findIndex((field, i) => (i >= fields.length - 2 ? field.replace(/[a-z]{3}/gi, '') : field).includes('H'));
    if (hashed >= 0) {
      // cron-parser draws H from a random seed: the schedule would change at every restart.
      throw invalid(line, `${fieldLabel(fields, hashed)}: hashed values (H) are not supported`);
    }
  }
  return toEngineFields(parseWithCronParser(line, expression, fields));
}

function expandNickname(line: string): string {
  if (!line.startsWith('@')) return line;
  if (line === '@reboot') {
    throw invalid(line, '@reboot means "when cron starts", which has no meaning for a scheduler; use a date trigger');
  }
  return EXTRA_NICKNAMES[line] ?? line;
}

function parseWithCronParser(line: string, expression: string, fields: readonly string[]): CronFieldCollection {
  try {
    return CronExpressionParser.parse(expression, { strict: false }).fields;
  } catch (error) {
    if (expression.startsWith('@')) throw invalid(line, `unknown nickname (expected one of ${NICKNAMES.join(', ')}, in lower case)`);
    throw invalid(line, `${culprit(fields)}: ${(error as Error).message}`);
  }
}

/**
 * Which field cron-parser objects to: the first that fails alone (every other field `*`), else the
 * day of month, whose only cross-field check is against the month ("31 2" can never fire).
 */
function culprit(fields: readonly string[]): string {
  for (let i = 0; i < fields.length; i += 1) {
    const probe = fields.map((field, j) => (j === i ? field : '*')).join(' ');
    try {
      CronExpressionParser.parse(probe, { strict: false });
    } catch {
      return fieldLabel(fields, i);
    }
  }
  const day = fields.length - 3;
  return `${fieldLabel(fields, day)} with the month field ${JSON.stringify(fields[day + 1])}`;
}

function fieldLabel(fields: readonly string[], index: number): string {
  const names = fields.length === 6 ? FIELD_NAMES_6 : FIELD_NAMES_5;
  return `the ${names[index] ?? 'extra'} field ${JSON.stringify(fields[index])}`;
}

function invalid(line: string, reason: string): ValidationError {
  return new ValidationError(`Invalid crontab ${JSON.stringify(line)}: ${reason}`);
}

function numbers(values: readonly (number | string)[]): number[] {
  return values.filter((value): value is number => typeof value === 'number');
}

/** cron-parser's expanded values as jobclock's year … second fields (year, week, weekday `*`). */
function toEngineFields(parsed: CronFieldCollection): CronField[] {
  const dayOfWeek = parsed.dayOfWeek;
  const days = new CrontabDayExpression({
    daysOfMonth: new Set(numbers(parsed.dayOfMonth.values)),
    lastDayOfMonth: parsed.dayOfMonth.values.some((value) => value === 'L'),
    weekdays: new Set(numbers(dayOfWeek.values).map((day) => day % 7)),
    // '5L' (and '7L'): cron-parser reads the digit before L as the weekday.
    lastWeekdays: new Set(dayOfWeek.values.filter((value) => typeof value === 'string').map((value) => Number(value.charAt(0)) % 7)),
    nthWeekday: dayOfWeek.nthDay,
    dayOfMonthRestricted: !parsed.dayOfMonth.isWildcard,
    dayOfWeekRestricted: !dayOfWeek.isWildcard,
  });
  const set = (values: readonly (number | string)[]) => [new ValueSetExpression(numbers(values))];
  return [
    CronField.parse('year', '*', true),
    new CronField('month', set(parsed.month.values), false),
    new CronField('day', [days], false),
    CronField.parse('week', '*', true),
    CronField.parse('day_of_week', '*', true),
    new CronField('hour', set(parsed.hour.values), false),
    new CronField('minute', set(parsed.minute.values), false),
    new CronField('second', set(parsed.second.values), false),
  ];
}
