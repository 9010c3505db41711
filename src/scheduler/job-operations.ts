import type { Clock } from '../clock/clock.js';
import type { Job } from '../jobs/job.js';
import {
  applyJobChanges,
  parseJobDefinition,
  type DefinitionContext,
  type JobChanges,
  type JobDefinition,
} from '../jobs/job-definition.js';
import { sameDefinition } from '../jobs/same-definition.js';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import type { SchedulerEngine } from './engine.js';
import type { JobQuery } from './scheduler-options.js';

/**
 * The job operations behind the façade (APScheduler's `add_job`, `modify_job`, `reschedule_job`,
 * `pause_job`, `resume_job`, `remove_job`): each validates first, then writes one store, then emits
 * its event and wakes the loop when the job is due sooner than the loop would wake. A refused
 * operation changes nothing.
 */
export class JobOperations {
  constructor(
    private readonly engine: SchedulerEngine,
    private readonly clock: Clock,
    private readonly context: () => DefinitionContext,
  ) {}

  async add(definition: JobDefinition): Promise<Job> {
    const { stores, events } = this.engine;
    const { job, jobstore, replaceExisting } = parseJobDefinition(definition, this.context());
    await stores.open();
    await stores.assertIdFreeElsewhere(job.id, jobstore);
    await stores.store(jobstore).addJob(job, { replaceExisting });
    events.emit({ kind: 'job_added', jobId: job.id, jobstore });
    this.engine.wakeUpFor(job);
    return job;
  }

  async addMany(definitions: readonly JobDefinition[]): Promise<Job[]> {
    const context = this.context();
    const parsed = definitions.map((definition) => parseJobDefinition(definition, context));
    let earliest: number | null = null;
    await this.engine.stores.addJobs(parsed, (job, jobstore) => {
      this.engine.events.emit({ kind: 'job_added', jobId: job.id, jobstore });
      const next = job.nextRunTime?.getTime();
      if (next !== undefined && (earliest === null || next < earliest)) earliest = next;
    });
    if (earliest !== null) this.engine.loop.wakeUpBy(earliest);
    return parsed.map(({ job }) => job);
  }

  async upsert(definition: JobDefinition): Promise<Job> {
    const { job, jobstore } = parseJobDefinition(definition, this.context());
    const existing = await this.engine.stores.findJob(job.id);
    if (existing && existing.jobstore === jobstore && sameDefinition(existing.job, job, definition)) return existing.job;
    if (existing && existing.jobstore !== jobstore) await this.remove(job.id);
    return this.add({ ...definition, id: job.id, replace_existing: true });
  }

  async get(id: string, jobstore?: string): Promise<Job | null> {
    return (await this.engine.stores.findJob(id, jobstore))?.job ?? null;
  }

  async list(query: JobQuery): Promise<Job[]> {
    return this.engine.stores.getJobs({ limit: query.limit, after: query.after }, query.jobstore);
  }

  async modify(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    const found = await this.engine.stores.requireJob(id, jobstore);
    return this.update(found.jobstore, applyJobChanges(found.job, changes, this.context()));
  }

  async reschedule(id: string, trigger: TriggerKind | Trigger, options: Readonly<Record<string, unknown>>, jobstore?: string): Promise<Job> {
    const found = await this.engine.stores.requireJob(id, jobstore);
    const retriggered = applyJobChanges(found.job, { trigger, ...options }, this.context());
    return this.update(found.jobstore, { ...retriggered, nextRunTime: retriggered.trigger.getNextFireTime(null, this.clock.now()) });
  }

  async resume(id: string, jobstore?: string): Promise<Job | null> {
    const found = await this.engine.stores.requireJob(id, jobstore);
    const next = found.job.trigger.getNextFireTime(null, this.clock.now());
    if (next === null) {
      await this.remove(id, found.jobstore);
      return null;
    }
    return this.modify(id, { next_run_time: next }, found.jobstore);
  }

  async remove(id: string, jobstore?: string): Promise<void> {
    const { stores, events } = this.engine;
    const found = await stores.requireJob(id, jobstore);
    await stores.store(found.jobstore).removeJob(id);
    events.emit({ kind: 'job_removed', jobId: id, jobstore: found.jobstore });
  }

  async removeAll(jobstore?: string): Promise<void> {
    const { stores } = this.engine;
    await stores.open();
    for (const alias of stores.select(jobstore)) await stores.store(alias).removeAllJobs();
  }

  async run(id: string, jobstore?: string): Promise<unknown> {
    const found = await this.engine.stores.requireJob(id, jobstore);
    return this.engine.dispatcher.runNow(found.jobstore, found.job);
  }

  private async update(jobstore: string, job: Job): Promise<Job> {
    await this.engine.stores.store(jobstore).updateJob(job);
    this.engine.events.emit({ kind: 'job_modified', jobId: job.id, jobstore });
    this.engine.wakeUpFor(job);
    return job;
  }
}
