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

/** How long a client is told to wait before retrying a store that is unreachable (`Retry-After`). */
export const DEFAULT_STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The job store cannot be reached or written right now: its database server is down or restarting,
 * the connection dropped or timed out, or (SQLite) the file became read-only, the disk is full or
 * failing. Nothing of the failed call was applied. Retrying later may succeed; the REST API
 * answers 503 with `Retry-After`.
 *
 * @example
 * try { await store.addJob(job) } catch (e) { if (e instanceof JobStoreUnavailableError) retryLater(e.retryAfterSeconds) }
 */
export class JobStoreUnavailableError extends JobclockError {
  /** The scheduler's alias of the store (`default`…), when the thrower knows it. */
  readonly storeAlias: string | null;
  /** Seconds a client should wait before trying again. */
  readonly retryAfterSeconds: number;

  constructor(
    /** What went wrong, in a few words: `connect ECONNREFUSED 127.0.0.1:5432`. */
    readonly summary: string,
    options: { readonly cause?: unknown; readonly storeAlias?: string | null; readonly retryAfterSeconds?: number } = {},
  ) {
    super(`job store unreachable: ${summary}`);
    this.cause = options.cause;
    this.storeAlias = options.storeAlias ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_STORE_RETRY_AFTER_SECONDS;
  }

  /** The same error, naming the store it came from (and, when given, the scheduler's current backoff as `retryAfterSeconds`). */
  forStore(alias: string, retryAfterSeconds = this.retryAfterSeconds): JobStoreUnavailableError {
    return new JobStoreUnavailableError(this.summary, { cause: this.cause, storeAlias: alias, retryAfterSeconds });
  }
}
