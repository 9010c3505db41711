import type { ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';
import { JobLookupError, ValidationError } from '../errors.js';
import { parseTriggerDefinition } from '../jobs/job-definition.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { checkPreviewCount, DEFAULT_PREVIEW_COUNT, MAX_PREVIEW_COUNT, previewFireTimes } from '../triggers/preview.js';
import type { Trigger } from '../triggers/trigger.js';
import { isoInZone } from './job-json.js';
import { singleQueryValue } from './job-page.js';

/** `?count=`: how many fire times a preview gives. */
export const previewCountSchema = z.int().min(1).max(MAX_PREVIEW_COUNT).default(DEFAULT_PREVIEW_COUNT)
  .meta({ description: `How many fire times, 1 to ${MAX_PREVIEW_COUNT}` });

/**
 * What the preview endpoints answer: the next fire times, ISO 8601 with offset in the trigger's zone.
 *
 * @example
 * const { fire_times }: PreviewJSON = await (await fetch('/scheduler/preview?count=3', { method: 'POST', body })).json()
 */
export interface PreviewJSON {
  readonly fire_times: readonly string[];
}

/**
 * `GET {prefix}/jobs/:id/preview`: a stored job's next fire times, from its next run time; a paused
 * job's from now, as resuming it would give.
 */
export async function previewStoredJob(scheduler: Scheduler, id: string, query: ParsedUrlQuery): Promise<PreviewJSON> {
  const count = previewCount(query);
  const job = await scheduler.getJob(id);
  if (!job) throw new JobLookupError(id);
  return previewJSON(job.trigger, previewFireTimes(job.trigger, { count, now: scheduler.clock.now(), first: job.nextRunTime }));
}

/** `POST {prefix}/preview`: the next fire times of an unsaved trigger (the trigger part of a job body). */
export function previewTriggerDefinition(scheduler: Scheduler, body: unknown, query: ParsedUrlQuery): PreviewJSON {
  const count = previewCount(query);
  const now = scheduler.clock.now();
  const trigger = parseTriggerDefinition(body, { timezone: scheduler.timezone, now });
  return previewJSON(trigger, previewFireTimes(trigger, { count, now }));
}

function previewJSON(trigger: Trigger, times: readonly Date[]): PreviewJSON {
  return { fire_times: times.map((time) => isoInZone(time, trigger.timezone)) };
}

/** `?count=` as a whole number from 1 to MAX_PREVIEW_COUNT; DEFAULT_PREVIEW_COUNT when absent. */
function previewCount(query: ParsedUrlQuery): number {
  const text = singleQueryValue(query, 'count');
  const count = previewCountSchema.safeParse(text === undefined ? undefined : /^[0-9]{1,7}$/.test(text) ? Number(text) : NaN);
  if (!count.success) throw new ValidationError(`count must be an integer from 1 to ${MAX_PREVIEW_COUNT}, got ${JSON.stringify(text)}`);
  return checkPreviewCount(count.data);
}
