import { ManualClock, settle } from '../../src/clock/clock.js';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import { silentLogger } from '../../src/scheduler/logger.js';

export const T0 = new Date('2030-01-01T00:00:00Z');

/** A scheduler on a manual clock that records every event and every task call. */
export function harness(options: SchedulerOptions = {}) {
  const clock = new ManualClock(T0);
  const scheduler = new Scheduler({ clock, logger: silentLogger, ...options });
  const events: SchedulerEvent[] = [];
  const calls: { args: unknown[]; at: Date }[] = [];
  scheduler.on('*', (event) => events.push(event));
  scheduler.registerTasks('t', {
    record: (...args: unknown[]) => {
      calls.push({ args, at: clock.now() });
      return args.length;
    },
    fail: () => {
      throw new Error('task failed on purpose');
    },
  });
  const kinds = (kind?: string) => events.filter((e) => kind === undefined || e.kind === kind);
  const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
  return { clock, scheduler, events, calls, kinds, at, settle };
}

/** A promise whose resolution the test controls. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
