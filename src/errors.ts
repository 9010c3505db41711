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

/**
 * Input that cannot describe a job, trigger or option: a bad cron field, wrong type, unknown key…
 *
 * @example
 * try { await scheduler.addJob({ func: 'app:ping', trigger: 'cron', hour: 25 }) } catch (e) { if (e instanceof ValidationError) … }
 */
export class ValidationError extends JobclockError {}

/**
 * A job with this id already exists in the target store (and `replace_existing` was not set).
 *
 * @example
 * try { await scheduler.addJob({ id: 'ping', func: 'app:ping' }) } catch (e) { if (e instanceof ConflictingIdError) console.log(e.jobId) }
 */
export class ConflictingIdError extends JobclockError {
  constructor(readonly jobId: string) {
    super(`Job identifier (${jobId}) conflicts with an existing job`);
  }
}

/**
 * No job with this id exists.
 *
 * @example
 * try { await scheduler.pauseJob('missing') } catch (e) { if (e instanceof JobLookupError) console.log(e.jobId) }
 */
export class JobLookupError extends JobclockError {
  constructor(readonly jobId: string) {
    super(`No job by the id of ${jobId} was found`);
  }
}

/**
 * A func reference that names no registered task.
 *
 * @example
 * try { await scheduler.addJob({ func: 'app:nope' }) } catch (e) { if (e instanceof TaskLookupError) console.log(e.reference) }
 */
export class TaskLookupError extends ValidationError {
  constructor(readonly reference: string, detail: string) {
    super(`Unknown task "${reference}": ${detail}`);
  }
}

/**
 * `start()` was called on a scheduler that is already running.
 *
 * @example
 * try { await scheduler.start() } catch (e) { if (!(e instanceof SchedulerAlreadyRunningError)) throw e }
 */
export class SchedulerAlreadyRunningError extends JobclockError {
  constructor() {
    super('Scheduler is already running');
  }
}

/**
 * The call needs a started scheduler: `pause`, `resume` or `shutdown` of a stopped one.
 *
 * @example
 * try { await scheduler.shutdown() } catch (e) { if (!(e instanceof SchedulerNotRunningError)) throw e }
 */
export class SchedulerNotRunningError extends JobclockError {
  constructor() {
    super('Scheduler is not running');
  }
}

/**
 * The job already runs `max_instances` times at once.
 *
 * @example
 * try { await scheduler.runJob('report') } catch (e) { if (e instanceof MaxInstancesReachedError) console.log(e.maxInstances) }
 */
export class MaxInstancesReachedError extends JobclockError {
  constructor(readonly jobId: string, readonly maxInstances: number) {
    super(`Job "${jobId}" reached its maximum number of running instances (${maxInstances})`);
  }
}

/**
 * A stored row that cannot be turned back into a job (corrupt JSON, unregistered task…).
 *
 * @example
 * scheduler.on('job_unreadable', (event) => console.warn(event.jobId, event.exception.message)) // a JobDeserializationError
 */
export class JobDeserializationError extends JobclockError {
  constructor(readonly jobId: string, detail: string) {
    super(`Stored job "${jobId}" cannot be read: ${detail}`);
  }
}

/**
 * The named job store or executor is not configured.
 *
 * @example
 * try { await scheduler.addJob({ func: 'app:ping', jobstore: 'nope' }) } catch (e) { if (e instanceof UnknownComponentError) … }
 */
export class UnknownComponentError extends ValidationError {}

/**
 * How long a client is told to wait before retrying a store that is unreachable (`Retry-After`).
 *
 * @example
 * new JobStoreUnavailableError('connect ECONNREFUSED').retryAfterSeconds === DEFAULT_STORE_RETRY_AFTER_SECONDS
 */
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
