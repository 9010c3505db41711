/**
 * The events a scheduler emits, as APScheduler's `events.py`: one plain list of kinds, and one
 * event shape per family.
 *
 * @example
 * scheduler.on('job_error', (event) => log.error(event.jobId, event.exception))
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

export interface SchedulerLifecycleEvent {
  readonly kind: SchedulerEventKind;
}

export interface JobEvent {
  readonly kind: JobEventKind;
  readonly jobId: string;
  readonly jobstore: string;
}

export interface JobSubmissionEvent {
  readonly kind: SubmissionEventKind;
  readonly jobId: string;
  readonly jobstore: string;
  /** The run times handed to the executor (one when coalescing). */
  readonly scheduledRunTimes: readonly Date[];
}

export interface JobExecutionEvent {
  readonly kind: ExecutionEventKind;
  readonly jobId: string;
  readonly jobstore: string;
  readonly scheduledRunTime: Date;
  /** What the task returned (`job_executed`). */
  readonly retval?: unknown;
  /** What the task threw (`job_error`). */
  readonly exception?: Error;
  /** `job_missed` for a span of runs: how many (null when not countable, as for cron); `scheduledRunTime` is the last. */
  readonly missedRuns?: number | null;
  /** `job_missed` for a span of runs: the first one missed. */
  readonly firstScheduledRunTime?: Date;
}

export interface JobUnreadableEvent {
  readonly kind: StoreEventKind;
  readonly jobId: string;
  readonly jobstore: string;
  readonly exception: Error;
}

export type SchedulerEvent = SchedulerLifecycleEvent | JobEvent | JobSubmissionEvent | JobExecutionEvent | JobUnreadableEvent;
export type EventKind = SchedulerEvent['kind'];

/** The event type of one kind. */
export type EventOf<K extends EventKind> = Extract<SchedulerEvent, { kind: K }>;
export type EventListener<K extends EventKind = EventKind> = (event: EventOf<K>) => void;

/**
 * Listeners by kind (`'*'` = all). A listener that throws is logged and the others still run: the
 * scheduler loop never breaks because of a listener.
 */
export class EventBus {
  private readonly listeners = new Map<EventKind | '*', Set<(event: SchedulerEvent) => void>>();

  constructor(private readonly onListenerError: (error: unknown, event: SchedulerEvent) => void) {}

  on<K extends EventKind>(kind: K | '*', listener: EventListener<K>): void {
    const set = this.listeners.get(kind) ?? new Set();
    set.add(listener as unknown as (event: SchedulerEvent) => void);
    this.listeners.set(kind, set);
  }

  off<K extends EventKind>(kind: K | '*', listener: EventListener<K>): void {
    this.listeners.get(kind)?.delete(listener as unknown as (event: SchedulerEvent) => void);
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
