import type { LogLevel } from '../config/config.js';
import { pinoLogger } from '../logging/pino-logger.js';
import type { Logger } from '../scheduler/logger.js';

/**
 * The bundled server's logger: pino, JSON lines when stdout is not a terminal (for a log shipper),
 * readable lines when it is (through pino-pretty when it is installed, a development dependency;
 * JSON lines otherwise). pino is loaded here, never by `import 'jobclock'`.
 */
export async function createServerLogger(level: LogLevel = 'info'): Promise<Logger> {
  const { pino } = await import('pino');
  const options = { level, base: { name: 'jobclock' } };
  const pretty = process.stdout.isTTY ? await prettyStream() : null;
  return pinoLogger(pretty ? pino(options, pretty) : pino(options));
}

async function prettyStream() {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
  } catch {
    return null;
  }
}
