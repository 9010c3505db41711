import type { Logger } from '../scheduler/logger.js';

/**
 * The part of a pino logger (or any logger taking a context object first, as bunyan does) that
 * {@link pinoLogger} uses.
 *
 * @example
 * const target: StructuredLogger = pino()
 */
export interface StructuredLogger {
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/**
 * jobclock's {@link Logger} on top of a pino logger: an `Error` among the details goes to `err`
 * (pino's error serializer: type, message, stack), other details to `details`. A pino logger passed
 * directly would drop them (pino reads extra arguments as format values only).
 *
 * @example
 * import pino from 'pino'
 * const scheduler = new Scheduler({ logger: pinoLogger(pino({ level: 'info' })) })
 */
export function pinoLogger(target: StructuredLogger): Logger {
  const write = (level: 'info' | 'warn' | 'error') => (message: string, ...details: unknown[]) => {
    const err = details.find((detail) => detail instanceof Error);
    const rest = details.filter((detail) => detail !== err);
    target[level]({ ...(err && { err }), ...(rest.length > 0 && { details: rest }) }, message);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
