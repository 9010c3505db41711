import { request, type IncomingMessage } from 'node:http';

/** One Server-Sent Event as a client reads it (`comment` for a `: …` line). */
export interface ReadEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** A real HTTP client reading an SSE stream: collects events, waits for one that matches. */
export interface SseClient {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: ReadEvent[];
  /** The first event (from the start) that matches, waiting up to `timeoutMs`. */
  waitFor(match: (event: ReadEvent) => boolean, timeoutMs?: number): Promise<ReadEvent>;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const events: ReadEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) event.comment = line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              const field = line.slice(0, colon);
              const value = line.slice(colon + 1).replace(/^ /, '');
              event[field] = field === 'data' && event.data !== undefined ? `${event.data}\n${value}` : value;
            }
          }
          events.push(event);
        }
        for (const waiter of waiters) waiter();
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      const waitFor = (match: (event: ReadEvent) => boolean, timeoutMs = 20_000) =>
        new Promise<ReadEvent>((found, fail) => {
          const check = () => {
            const event = events.find(match);
            if (!event) return;
            waiters.delete(check);
            clearTimeout(timer);
            found(event);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, events, waitFor, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
