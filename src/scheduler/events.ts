/**
 * The events a scheduler emits, as APScheduler's `events.py`: one plain list of kinds, and one
 * event shape per family.
 *
 * @example
 * scheduler.on('job_error', (event) => log.error(event.jobId, event.exception.message))
 * scheduler.on('*', (event) => { if (event.kind === 'job_executed') console.log(event.retval) })
 */
export const SCHEDULER_EVENT_KINDS = ['scheduler_started', 'scheduler_paused', 'scheduler_resumed', 'scheduler_shutdown'] as const;
/**
 * The kinds of event a job's addition, removal or change emits.
 *
 * @example
 * for (const kind of JOB_EVENT_KINDS) scheduler.on(kind, (event) => audit(event.jobId))
 */
export const JOB_EVENT_KINDS = ['job_added', 'job_removed', 'job_modified'] as const;
/**
 * The kinds of event a run's hand-over to its executor (or refusal) emits.
 *
 * @example
 * for (const kind of SUBMISSION_EVENT_KINDS) scheduler.on(kind, (event) => console.log(event.scheduledRunTimes))
 */
export const SUBMISSION_EVENT_KINDS = ['job_submitted', 'job_max_instances'] as const;
/**
 * The kinds of event a run's outcome emits.
 *
 * @example
 * for (const kind of EXECUTION_EVENT_KINDS) scheduler.on(kind, (event) => console.log(event.jobId, event.scheduledRunTime))
 */
export const EXECUTION_EVENT_KINDS = ['job_executed', 'job_error', 'job_missed'] as const;
/**
 * A stored job could not be read back (it is kept, paused).
 *
 * @example
 * scheduler.on(STORE_EVENT_KINDS[0], (event) => console.warn(event.jobId, event.exception))
 */
export const STORE_EVENT_KINDS = ['job_unreadable'] as const;

/**
 * A scheduler lifecycle event kind: `scheduler_started` …
 *
 * @example
 * const kind: SchedulerEventKind = 'scheduler_paused'
 */
export type SchedulerEventKind = (typeof SCHEDULER_EVENT_KINDS)[number];
/**
 * A job change event kind: `job_added`, `job_removed` or `job_modified`.
 *
 * @example
 * const kind: JobEventKind = 'job_added'
 */
export type JobEventKind = (typeof JOB_EVENT_KINDS)[number];
/**
 * A submission event kind: `job_submitted` or `job_max_instances`.
 *
 * @example
 * const kind: SubmissionEventKind = 'job_max_instances'
 */
export type SubmissionEventKind = (typeof SUBMISSION_EVENT_KINDS)[number];
/**
 * A run outcome event kind: `job_executed`, `job_error` or `job_missed`.
 *
 * @example
 * const kind: ExecutionEventKind = 'job_error'
 */
export type ExecutionEventKind = (typeof EXECUTION_EVENT_KINDS)[number];
/**
 * A store event kind: `job_unreadable`.
 *
 * @example
 * const kind: StoreEventKind = 'job_unreadable'
 */
export type StoreEventKind = (typeof STORE_EVENT_KINDS)[number];

/**
 * The scheduler started, paused, resumed or shut down.
 *
 * @example
 * scheduler.on('scheduler_started', (event: SchedulerLifecycleEvent<'scheduler_started'>) => console.log(event.kind))
 */
export interface SchedulerLifecycleEvent<K extends SchedulerEventKind = SchedulerEventKind> {
  readonly kind: K;
}

/**
 * A job was added, removed or modified.
 *
 * @example
 * scheduler.on('job_added', (event: JobEvent) => console.log(event.jobId, event.jobstore))
 */
export interface JobEvent<K extends JobEventKind = JobEventKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly jobstore: string;
}

/**
 * A job's run was handed to its executor (`job_submitted`), or refused by `max_instances`.
 *
 * @example
 * scheduler.on('job_max_instances', (event: JobSubmissionEvent) => console.warn(event.jobId, event.scheduledRunTimes))
 */
export interface JobSubmissionEvent<K extends SubmissionEventKind = SubmissionEventKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly jobstore: string;
  /** The run times handed to the executor (one when coalescing). */
  readonly scheduledRunTimes: readonly Date[];
}

/**
 * A run's end, or a run time that passed its misfire grace time (`job_missed`).
 *
 * @example
 * scheduler.on('job_missed', (event: JobRunEvent) => console.warn(event.jobId, event.scheduledRunTime))
 */
export interface JobRunEvent<K extends ExecutionEventKind = ExecutionEventKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly jobstore: string;
  readonly scheduledRunTime: Date;
}

/**
 * A run finished; `retval` is what the task returned.
 *
 * @example
 * scheduler.on('job_executed', (event: JobExecutedEvent) => console.log(event.jobId, event.retval))
 */
export interface JobExecutedEvent extends JobRunEvent<'job_executed'> {
  /** When the task was called (its lateness is `startedAt - scheduledRunTime`, its duration from then to this event). */
  readonly startedAt: Date;
  readonly retval: unknown;
}

/**
 * A run failed; `exception` is what the task threw (or why it could not run).
 *
 * @example
 * scheduler.on('job_error', (event: JobErrorEvent) => console.error(event.jobId, event.exception))
 */
export interface JobErrorEvent extends JobRunEvent<'job_error'> {
  /** When the task was called; absent when it could not be (unknown task or executor). */
  readonly startedAt?: Date;
  readonly exception: Error;
}

/**
 * A run time was skipped: it was later than the job's misfire grace time allows. A backlog skipped in
 * one step is one event for the whole span: `scheduledRunTime` is its last run time.
 *
 * @example
 * scheduler.on('job_missed', (event: JobMissedEvent) => console.warn('missed', event.missedRuns ?? 1, 'up to', event.scheduledRunTime))
 */
export interface JobMissedEvent extends JobRunEvent<'job_missed'> {
  /** For a span: how many runs it held (null when not countable cheaply, as for cron). */
  readonly missedRuns?: number | null;
  /** For a span: its first run time. */
  readonly firstScheduledRunTime?: Date;
}

/**
 * Any of the three run outcomes; narrow on `kind`.
 *
 * @example
 * const onOutcome = (event: JobExecutionEvent) => { if (event.kind === 'job_error') console.error(event.exception) }
 */
export type JobExecutionEvent = JobExecutedEvent | JobErrorEvent | JobMissedEvent;

/**
 * A stored job could not be read back; it is kept, paused.
 *
 * @example
 * scheduler.on('job_unreadable', (event: JobUnreadableEvent) => console.warn(event.jobId, event.exception.message))
 */
export interface JobUnreadableEvent {
  readonly kind: StoreEventKind;
  readonly jobId: string;
  readonly jobstore: string;
  readonly exception: Error;
}

/**
 * The event each kind carries: what `on(kind, listener)` hands its listener.
 *
 * @example
 * const onError = (event: SchedulerEventMap['job_error']) => log.error(event.exception.message)
 */
export interface SchedulerEventMap {
  readonly scheduler_started: SchedulerLifecycleEvent<'scheduler_started'>;
  readonly scheduler_paused: SchedulerLifecycleEvent<'scheduler_paused'>;
  readonly scheduler_resumed: SchedulerLifecycleEvent<'scheduler_resumed'>;
  readonly scheduler_shutdown: SchedulerLifecycleEvent<'scheduler_shutdown'>;
  readonly job_added: JobEvent<'job_added'>;
  readonly job_removed: JobEvent<'job_removed'>;
  readonly job_modified: JobEvent<'job_modified'>;
  readonly job_submitted: JobSubmissionEvent<'job_submitted'>;
  readonly job_max_instances: JobSubmissionEvent<'job_max_instances'>;
  readonly job_executed: JobExecutedEvent;
  readonly job_error: JobErrorEvent;
  readonly job_missed: JobMissedEvent;
  readonly job_unreadable: JobUnreadableEvent;
}

/**
 * Every event kind, from the lists above.
 *
 * @example
 * const kinds: EventKind[] = ['job_executed', 'job_error']
 */
export type EventKind = SchedulerEventKind | JobEventKind | SubmissionEventKind | ExecutionEventKind | StoreEventKind;

// The map and the kind lists must name the same kinds: a kind added to one list only fails here.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyKindHasAnEvent: SameKeys<keyof SchedulerEventMap, EventKind> = true;

/**
 * Any event; narrow on `kind`.
 *
 * @example
 * scheduler.on('*', (event: SchedulerEvent) => console.log(event.kind))
 */
export type SchedulerEvent = SchedulerEventMap[EventKind];

/**
 * The event type of one kind, or of any kind for `'*'`.
 *
 * @example
 * const onError = (event: EventOf<'job_error'>) => console.error(event.exception)
 */
export type EventOf<K extends EventKind | '*'> = K extends EventKind ? SchedulerEventMap[K] : SchedulerEvent;

/**
 * A listener for one kind (or `'*'`, all of them).
 *
 * @example
 * const listener: EventListener<'job_executed'> = (event) => console.log(event.jobId, event.retval)
 */
export type EventListener<K extends EventKind | '*' = '*'> = (event: EventOf<K>) => void;

/**
 * Listeners by kind (`'*'` = all). A listener that throws is logged and the others still run: the
 * scheduler loop never breaks because of a listener.
 *
 * @example
 * const bus = new EventBus((error) => console.error(error))
 * bus.on('job_added', (event) => console.log(event.jobId))
 */
export class EventBus {
  private readonly listeners = new Map<EventKind | '*', Set<(event: SchedulerEvent) => void>>();

  constructor(private readonly onListenerError: (error: unknown, event: SchedulerEvent) => void) {}

  on<K extends EventKind | '*'>(kind: K, listener: EventListener<K>): void {
    const set = this.listeners.get(kind) ?? new Set();
    // emit hands each listener only events of its kind, so the listener sees the type it declared.
    set.add(listener as (event: SchedulerEvent) => void);
    this.listeners.set(kind, set);
  }

  off<K extends EventKind | '*'>(kind: K, listener: EventListener<K>): void {
    this.listeners.get(kind)?.delete(listener as (event: SchedulerEvent) => void);
  }

  /** How many listeners `kind` has (`'*'`: those of every kind). */
  listenerCount(kind: EventKind | '*'): number {
    return this.listeners.get(kind)?.size ?? 0;
  }

  emit(event: SchedulerEvent): void {
    // Two look-ups, no array per event: a burst emits several events per run.
    this.deliver(this.listeners.get(event.kind), event);
    this.deliver(this.listeners.get('*'), event);
  }

  private deliver(set: Set<(event: SchedulerEvent) => void> | undefined, event: SchedulerEvent): void {
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
