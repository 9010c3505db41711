/**
 * The events a scheduler emits, as APScheduler's `events.py`: one plain list of kinds, and one
 * event shape per family.
 *
 * @example
 * scheduler.on('job_error', (event) => log.error(event.jobId, event.exception.message))
 * scheduler.on('*', (event) => { if (event.kind === 'job_executed') console.log(event.retval) })
 */
export const SCHEDULER_EVENT_KINDS = ['scheduler_started', 'scheduler_paused', 'scheduler_resumed', 'scheduler_shutdown'] as const;
export const JOB_EVENT_KINDS = ['job_added', 'job_removed', 'job_modified'] as const;
export const SUBMISSION_EVENT_KINDS = ['job_submitted', 'job_max_instances'] as const;
export const EXECUTION_EVENT_KINDS = ['job_executed', 'job_error', 'job_missed'] as const;
/** A stored job could not be read back (it is kept, paused). */
export const STORE_EVENT_KINDS = ['job_unreadable'] as const;

export type SchedulerEventKind = (typeof SCHEDULER_EVENT_KINDS)[number];
export type JobEventKind = (typeof JOB_EVENT_KINDS)[number];
export type SubmissionEventKind = (typeof SUBMISSION_EVENT_KINDS)[number];
export type ExecutionEventKind = (typeof EXECUTION_EVENT_KINDS)[number];
export type StoreEventKind = (typeof STORE_EVENT_KINDS)[number];

/** The scheduler started, paused, resumed or shut down. */
export interface SchedulerLifecycleEvent<K extends SchedulerEventKind = SchedulerEventKind> {
  readonly kind: K;
}

/** A job was added, removed or modified. */
export interface JobEvent<K extends JobEventKind = JobEventKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly jobstore: string;
}

/** A job's run was handed to its executor (`job_submitted`), or refused by `max_instances`. */
export interface JobSubmissionEvent<K extends SubmissionEventKind = SubmissionEventKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly jobstore: string;
  /** The run times handed to the executor (one when coalescing). */
  readonly scheduledRunTimes: readonly Date[];
}

/** A run's end, or a run time that passed its misfire grace time (`job_missed`). */
export interface JobRunEvent<K extends ExecutionEventKind = ExecutionEventKind> {
  readonly kind: K;
  readonly jobId: string;
  readonly jobstore: string;
  readonly scheduledRunTime: Date;
}

/** A run finished; `retval` is what the task returned. */
export interface JobExecutedEvent extends JobRunEvent<'job_executed'> {
  readonly retval: unknown;
}

/** A run failed; `exception` is what the task threw (or why it could not run). */
export interface JobErrorEvent extends JobRunEvent<'job_error'> {
  readonly exception: Error;
}

/** A run time was skipped: it was later than the job's misfire grace time allows. */
export type JobMissedEvent = JobRunEvent<'job_missed'>;

/** Any of the three run outcomes; narrow on `kind`. */
export type JobExecutionEvent = JobExecutedEvent | JobErrorEvent | JobMissedEvent;

/** A stored job could not be read back; it is kept, paused. */
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

/** Every event kind, from the lists above. */
export type EventKind = SchedulerEventKind | JobEventKind | SubmissionEventKind | ExecutionEventKind | StoreEventKind;

// The map and the kind lists must name the same kinds: a kind added to one list only fails here.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyKindHasAnEvent: SameKeys<keyof SchedulerEventMap, EventKind> = true;

/** Any event; narrow on `kind`. */
export type SchedulerEvent = SchedulerEventMap[EventKind];

/** The event type of one kind, or of any kind for `'*'`. */
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

  emit(event: SchedulerEvent): void {
    for (const key of [event.kind, '*'] as const) {
      const set = this.listeners.get(key);
      if (!set) continue;
      for (const listener of set) {
        try {
          listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }
    }
  }
}
