/**
 * Where the scheduler writes what a person running it should know. `console` fits.
 *
 * @example
 * new Scheduler({ logger: console })
 */
export interface Logger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/**
 * A logger that drops everything (for tests and benchmarks).
 *
 * @example
 * new Scheduler({ jobstores: { default: 'memory:' }, logger: silentLogger })
 */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
