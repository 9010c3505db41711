import { ValidationError } from '../errors.js';
import { cronTriggerFactory } from './cron/cron-trigger.js';
import { dateTriggerFactory } from './date-trigger.js';
import { intervalTriggerFactory } from './interval-trigger.js';
import type { Trigger, TriggerContext, TriggerFactory, TriggerKind } from './trigger.js';

const factories: ReadonlyMap<string, TriggerFactory> = new Map(
  [dateTriggerFactory, intervalTriggerFactory, cronTriggerFactory].map((f) => [f.kind, f]),
);

/** The factory for a trigger name, or a `ValidationError` naming the known ones. */
export function triggerFactory(kind: unknown): TriggerFactory {
  const factory = typeof kind === 'string' ? factories.get(kind) : undefined;
  if (!factory) {
    throw new ValidationError(
      `Unknown trigger ${JSON.stringify(kind)}: expected one of ${[...factories.keys()].map((k) => `"${k}"`).join(', ')}`,
    );
  }
  return factory;
}

/**
 * Builds a trigger from its name and options, the shape jobs use in JSON.
 *
 * @example
 * createTrigger('interval', { minutes: 5 }, { timezone: 'UTC', now: new Date() })
 */
export function createTrigger(
  kind: TriggerKind | string,
  options: Readonly<Record<string, unknown>>,
  context: TriggerContext,
): Trigger {
  return triggerFactory(kind).create(options, context);
}

/**
 * Every trigger name.
 *
 * @example
 * triggerKinds() // ['date', 'interval', 'cron']
 */
export function triggerKinds(): readonly string[] {
  return [...factories.keys()];
}
