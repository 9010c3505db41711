/**
 * The trigger contract, as APScheduler 3's `BaseTrigger`: given the previous fire time (or null for
 * the first) and the current time, say when the job fires next, or null when it never fires again.
 *
 * @example
 * const trigger = new CronTrigger({ hour: '2', minute: '0', timezone: 'Europe/London' })
 * trigger.getNextFireTime(null, new Date()) // the next 02:00 London time
 */
export interface Trigger {
  /** The name used in job JSON: `"date"`, `"interval"` or `"cron"`. */
  readonly kind: TriggerKind;
  /** The IANA zone the trigger computes wall-clock times in. */
  readonly timezone: string;
  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null;
  /*
   * Optional catch-up fast paths, used through the functions of catch-up.ts (which fall back to
   * walking getNextFireTime when a trigger lacks them). `current` is a fire time of the job; the
   * sequence meant is `current` followed by the trigger's un-jittered schedule after it.
   */
  /** The first fire time ≥ `time` of the sequence containing `current` (≤ `time`), or null when finished. */
  getFireTimeAtOrAfter?(current: Date, time: Date, now: Date): Date | null;
  /** The last fire time ≤ `now` of the sequence containing `current` (≤ `now`). */
  getLastFireTimeAtOrBefore?(current: Date, now: Date): Date;
  /** How many fire times of that sequence lie in [current, before), or null when too costly to count. */
  countFireTimes?(current: Date, before: Date): number | null;
  /**
   * Plain JSON: `{ trigger: kind, …fields }` with only non-default fields, cron fields as their
   * string expressions, dates as ISO 8601 with offset. Fed back to {@link createTrigger} it gives an
   * equal trigger.
   */
  toJSON(): TriggerJSON;
  toString(): string;
}

/**
 * The built-in trigger kinds, as `trigger` in a job definition names them.
 *
 * @example
 * const kind: TriggerKind = 'cron'
 */
export type TriggerKind = 'date' | 'interval' | 'cron';

/**
 * A trigger as JSON (the REST shape, minus the job's own keys).
 *
 * @example
 * new CronTrigger({ hour: '2' }).toJSON() // { trigger: 'cron', hour: '2', … }
 */
export interface TriggerJSON {
  readonly trigger: TriggerKind;
  readonly [field: string]: string | number | null | TriggerKind;
}

/**
 * Defaults a trigger takes from its scheduler when its options leave them out.
 *
 * @example
 * createTrigger('interval', { minutes: 5 }, { timezone: 'UTC', now: new Date() })
 */
export interface TriggerContext {
  /** IANA zone used when the options name none. */
  readonly timezone: string;
  /** The time of creation: an interval's default start is `now + interval`. */
  readonly now: Date;
}

/**
 * How a trigger kind is built from its options: one entry per kind in `trigger-registry.ts`.
 *
 * @example
 * const trigger = factory.create({ minutes: 5 }, { timezone: 'UTC', now: clock.now() })
 */
export interface TriggerFactory {
  readonly kind: TriggerKind;
  /** Every option key this kind accepts (REST rejects any other key as unknown). */
  readonly optionKeys: readonly string[];
  /** Validates and builds; throws `ValidationError` with a message a person understands. */
  create(options: Readonly<Record<string, unknown>>, context: TriggerContext): Trigger;
}
