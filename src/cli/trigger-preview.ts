import { parseTriggerDefinition } from '../jobs/job-definition.js';
import { parseDateOption } from '../triggers/dates.js';
import { checkPreviewCount, previewFireTimes } from '../triggers/preview.js';
import { formatInZone } from '../triggers/timezone.js';
import { UsageError } from './cli-errors.js';

/*
 * What `jobclock preview` computes, on this machine, with nothing stored: a crontab line, or the
 * trigger part of a job body checked as the server checks job bodies, walked by previewFireTimes.
 * (Its own module, loaded by the command's action: the triggers and schemas are for it alone.)
 */

/** `jobclock preview`'s input, as commander gives it. */
export interface TriggerPreviewInput {
  readonly crontab?: string | undefined;
  readonly trigger?: string | undefined;
  readonly count: string;
  /** `--tz`, when given. */
  readonly tz?: string | undefined;
  /** The zone when neither `--tz` nor the trigger names one. */
  readonly defaultTimezone: string;
  readonly from?: string | undefined;
  readonly now: Date;
}

/** The next fire times, as ISO 8601 with the trigger zone's offset. */
export function previewTrigger(input: TriggerPreviewInput): string[] {
  const count = checkPreviewCount(Number(input.count));
  const timezone = input.tz ?? input.defaultTimezone;
  const now = input.from === undefined ? input.now : parseDateOption(input.from, '--from', timezone);
  const trigger = parseTriggerDefinition(triggerDefinition(input), { timezone, now });
  return previewFireTimes(trigger, { count, now }).map((time) => formatInZone(time, trigger.timezone));
}

/** The crontab line as a cron trigger, or the --trigger JSON; `--tz` sets its zone. */
function triggerDefinition(input: TriggerPreviewInput): Record<string, unknown> {
  const { crontab, trigger } = input;
  if ((crontab === undefined) === (trigger === undefined)) {
    throw new UsageError("preview needs a crontab line or --trigger '<json>', one of them");
  }
  const zone = input.tz === undefined ? {} : { timezone: input.tz };
  if (crontab !== undefined) return { trigger: 'cron', crontab, ...zone };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trigger ?? '');
  } catch (error) {
    throw new UsageError(`--trigger is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--trigger must be a JSON object');
  if (input.tz !== undefined && 'timezone' in parsed) throw new UsageError('give the time zone once: --tz or the trigger\'s "timezone"');
  return { ...parsed, ...zone };
}
