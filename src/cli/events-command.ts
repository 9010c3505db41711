import type { Command } from 'commander';
import { apiTarget, openStream, withConnectionOptions, type ConnectionOptions } from './api-client.js';
import { UnreachableError, UsageError } from './cli-errors.js';
import { printResult, withJsonOption } from './output.js';
import { SseParser, type SseEvent } from './sse-parser.js';

/*
 * `jobclock events`: follows the server's event stream (`GET {prefix}/events`, Server-Sent Events)
 * and prints one line per scheduler event, until interrupted, until --count events came, or until
 * the server ends the stream (exit 1: nothing reconnects on its own).
 */

interface EventsOptions extends ConnectionOptions {
  readonly json?: boolean;
  readonly count?: string;
  readonly lastEventId?: string;
}

/** One event as `--json` prints it: the stream's id and kind, and its data parsed. */
interface PrintedEvent {
  readonly id: string;
  readonly event: string;
  readonly data: unknown;
}

/** `jobclock events [--count N] [--last-event-id ID]`. */
export function addEventsCommand(program: Command): void {
  withJsonOption(
    withConnectionOptions(
      program
        .command('events')
        .description("follow the server's scheduler events (job added, run, error…), one line each")
        .option('--count <n>', 'stop after this many events (exit 0)')
        .option('--last-event-id <id>', 'start after this event id, from the server\'s recent events'),
    ),
  ).action(async (options: EventsOptions) => {
    const limit = options.count === undefined ? Infinity : Number(options.count);
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) throw new UsageError('--count must be a whole number from 1');
    await follow(options, limit);
  });
}

async function follow(options: EventsOptions, limit: number): Promise<void> {
  const stop = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(options.lastEventId !== undefined && { 'last-event-id': options.lastEventId }) };
  const response = await openStream(apiTarget(options, process.env), '/events', headers, stop.signal);
  if (!response.body) throw new UnreachableError('the server answered the event stream with no body');
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let printed = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      for (const event of parser.feed(decoder.decode(chunk, { stream: true }))) {
        printEvent(options.json ?? false, event);
        if (++printed >= limit) return;
      }
    }
  } catch (error) {
    throw new UnreachableError(`the event stream broke off: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    stop.abort();
  }
  throw new UnreachableError('the server ended the event stream');
}

function printEvent(json: boolean, event: SseEvent): void {
  let data: unknown = event.data;
  try {
    data = JSON.parse(event.data);
  } catch {
    // not JSON: printed as the text it is
  }
  printResult<PrintedEvent>(json, { id: event.id, event: event.event, data }, (shown) => [
    `${shown.id}  ${shown.event}  ${typeof shown.data === 'string' ? shown.data : JSON.stringify(shown.data)}`,
  ]);
}
