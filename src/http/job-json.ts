import { formatInZone } from '../triggers/timezone.js';
import type { RunRecord } from '../stores/run-history.js';
import type { Job } from '../jobs/job.js';
import { storedOrigin } from '../jobs/job-state.js';
import type { Trigger, TriggerJSON } from '../triggers/trigger.js';


/**
 * A job as the REST API shows it (Flask-APScheduler's `job_to_dict`, plus `coalesce` and `executor`).
 *
 * @example
 * const body: JobJSON = jobToJSON(await scheduler.addJob({ id: 'report', func: 'reports:nightly' }))
 */
export interface JobJSON {
  readonly id: string;
  readonly name: string;
  readonly func: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly trigger: string;
  readonly [triggerField: string]: unknown;
  readonly misfire_grace_time: number | null;
  readonly max_instances: number;
  readonly coalesce: boolean;
  readonly executor: string;
  /** ISO 8601 with offset in the trigger's zone; null while paused. */
  readonly next_run_time: string | null;
  /** The newest run (any status), or null before the first; present when the caller looked it up. */
  readonly last_run?: LastRunJSON | null;
}

/**
 * The newest run of a job, as `last_run` in job JSON (all of a run is at `GET {prefix}/jobs/:id/runs`).
 *
 * @example
 * const lastRun: LastRunJSON | null | undefined = jobToJSON(job, run).last_run
 */
export interface LastRunJSON {
  readonly scheduled_run_time: string;
  readonly status: RunRecord['status'];
  readonly node_id: string;
  readonly finished_at: string | null;
  readonly error_message: string | null;
}

/**
 * The JSON shape of a job: `id name func args kwargs trigger`, the trigger's non-default fields,
 * then the options and `next_run_time`, and `last_run` when `lastRun` is given (null: none yet).
 *
 * @example
 * ctx.body = jobToJSON(job, (await scheduler.getLastRuns([job.id])).get(job.id) ?? null)
 */
export function jobToJSON(job: Job, lastRun?: RunRecord | null): JobJSON {
  const json: JobJSON = {
    id: job.id,
    name: job.name,
    func: job.func,
    args: job.args,
    kwargs: job.kwargs,
    ...triggerJSON(job.trigger),
    misfire_grace_time: job.misfireGraceTime,
    max_instances: job.maxInstances,
    coalesce: job.coalesce,
    executor: job.executor,
    next_run_time: job.nextRunTime ? isoInZone(job.nextRunTime, job.trigger.timezone) : null,
  };
  if (lastRun === undefined) return json;
  return { ...json, last_run: lastRun === null ? null : lastRunJSON(lastRun, job.trigger.timezone) };
}

/**
 * `JSON.stringify(jobToJSON(job, lastRun))`, written directly: a page of jobs is the REST API's
 * busiest answer, and building each job's object (its trigger's fields spread into it) and then
 * serializing the whole array generically cost about a third more than this. The trigger's part is
 * serialized once per trigger.
 *
 * @example
 * ctx.type = 'json'
 * ctx.body = jobJSONText(job, null) // '{"id":"report",…,"last_run":null}'
 */
export function jobJSONText(job: Job, lastRun?: RunRecord | null): string {
  const texts = kept(job);
  if (!texts) return writeJob(job, writeHead(job), lastRun);
  const next = job.nextRunTime === null ? null : job.nextRunTime.getTime();
  if (texts.nextRunTime !== next) {
    texts.nextRunTime = next;
    texts.neverRun = null;
  }
  // A job that never ran (last_run null) as one flat string: most of a page, most of the time.
  if (lastRun !== null) return writeJob(job, texts.head, lastRun);
  return (texts.neverRun ??= [writeJob(job, texts.head, null)].join(''));
}

function writeJob(job: Job, head: string, lastRun: RunRecord | null | undefined): string {
  const zone = job.trigger.timezone;
  const next = job.nextRunTime ? `"${isoInZone(job.nextRunTime, zone)}"` : 'null';
  let text = `${head},"next_run_time":${next}`;
  if (lastRun !== undefined) text += `,"last_run":${lastRun === null ? 'null' : JSON.stringify(lastRunJSON(lastRun, zone))}`;
  return `${text}}`;
}

/**
 * What is kept with the stored job a read came from (see `storedOrigin`): the fields before
 * `next_run_time`, and the whole text for the last next run time seen with no run yet. A page of
 * 100 unchanged jobs then writes none of them again.
 */
interface KeptText {
  readonly head: string;
  nextRunTime: number | null;
  neverRun: string | null;
}
const keptTexts = new WeakMap<Job, KeptText>();

function kept(job: Job): KeptText | undefined {
  const origin = storedOrigin(job);
  if (!origin) return undefined;
  let texts = keptTexts.get(origin);
  if (!texts) {
    texts = { head: writeHead(origin), nextRunTime: null, neverRun: null };
    keptTexts.set(origin, texts);
  }
  return texts;
}

/**
 * Joined, not concatenated: the result is one flat string. A string built with `+` is a tree of
 * its pieces, and joining a page of those walked every tree again (a sixth of the page's time).
 */
function writeHead(job: Job): string {
  return [
    `{"id":${JSON.stringify(job.id)},"name":${JSON.stringify(job.name)},"func":${JSON.stringify(job.func)},`,
    `"args":${JSON.stringify(job.args)},"kwargs":${JSON.stringify(job.kwargs)},${triggerText(job.trigger)}`,
    `"misfire_grace_time":${JSON.stringify(job.misfireGraceTime)},"max_instances":${JSON.stringify(job.maxInstances)},`,
    `"coalesce":${JSON.stringify(job.coalesce)},"executor":${JSON.stringify(job.executor)}`,
  ].join('');
}

/** A trigger's JSON fields as text, each followed by a comma (empty for none). */
const triggerTexts = new WeakMap<Trigger, string>();

function triggerText(trigger: Trigger): string {
  let text = triggerTexts.get(trigger);
  if (text === undefined) {
    const fields = JSON.stringify(triggerJSON(trigger)).slice(1, -1);
    text = fields === '' ? '' : `${fields},`;
    triggerTexts.set(trigger, text);
  }
  return text;
}

/** Each trigger's JSON, made once: triggers are immutable, and stores share them between reads. */
const triggerJSONs = new WeakMap<Trigger, Readonly<TriggerJSON>>();

function triggerJSON(trigger: Trigger): Readonly<TriggerJSON> {
  let json = triggerJSONs.get(trigger);
  if (!json) {
    json = Object.freeze(trigger.toJSON());
    triggerJSONs.set(trigger, json);
  }
  return json;
}

function lastRunJSON(run: RunRecord, zone: string): LastRunJSON {
  return {
    scheduled_run_time: isoInZone(run.scheduledRunTime, zone),
    status: run.status,
    node_id: run.nodeId,
    finished_at: run.finishedAt === null ? null : isoInZone(run.finishedAt, zone),
    error_message: run.errorMessage,
  };
}

/** `2030-01-01T09:00:00+01:00` (milliseconds only when not zero): the triggers' own date format. */
export function isoInZone(date: Date, zone: string): string {
  return formatInZone(date, zone);
}
