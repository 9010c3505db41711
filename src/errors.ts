/**
 * Typed errors. Each one maps to exactly one HTTP status in `src/http/error-status.ts`.
 *
 * @example
 * try { await scheduler.addJob(def) } catch (e) { if (e instanceof ConflictingIdError) … }
 */
export class JobclockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that cannot describe a job, trigger or option: a bad cron field, wrong type, unknown key… */
export class ValidationError extends JobclockError {}

/** A job with this id already exists in the target store (and `replace_existing` was not set). */
export class ConflictingIdError extends JobclockError {
  constructor(readonly jobId: string) {
    super(`Job identifier (${jobId}) conflicts with an existing job`);
  }
}

/** No job with this id exists. */
export class JobLookupError extends JobclockError {
  constructor(readonly jobId: string) {
    super(`No job by the id of ${jobId} was found`);
  }
}

/** A func reference that names no registered task. */
export class TaskLookupError extends ValidationError {
  constructor(readonly reference: string, detail: string) {
    super(`Unknown task "${reference}": ${detail}`);
  }
}

export class SchedulerAlreadyRunningError extends JobclockError {
  constructor() {
    super('Scheduler is already running');
  }
}

export class SchedulerNotRunningError extends JobclockError {
  constructor() {
    super('Scheduler is not running');
  }
}

/** The job already runs `max_instances` times at once. */
export class MaxInstancesReachedError extends JobclockError {
  constructor(readonly jobId: string, readonly maxInstances: number) {
    super(`Job "${jobId}" reached its maximum number of running instances (${maxInstances})`);
  }
}

/** A stored row that cannot be turned back into a job (corrupt JSON, unregistered task…). */
export class JobDeserializationError extends JobclockError {
  constructor(readonly jobId: string, detail: string) {
    super(`Stored job "${jobId}" cannot be read: ${detail}`);
  }
}

/** The named job store or executor is not configured. */
export class UnknownComponentError extends ValidationError {}
