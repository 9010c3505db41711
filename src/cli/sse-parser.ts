/*
 * A Server-Sent Events parser, as the WHATWG HTML standard ("Parsing an event stream") reads a
 * stream: lines end in CRLF, LF or CR (a CR at the end of one chunk and the LF starting the next are
 * one line end); `:` starts a comment (keep-alives); `field: value` loses one leading space; `data`
 * lines join with LF; a blank line dispatches the event, unless it has no data; `id` is remembered
 * for the next events (and a reconnect's Last-Event-ID) unless it holds a NUL.
 */

/**
 * One dispatched event.
 *
 * @example
 * { event: 'job_executed', data: '{"job_id":"nightly"}', id: '42', retry: null }
 */
export interface SseEvent {
  /** The `event:` field, `message` when the event named none. */
  readonly event: string;
  /** The `data:` lines, joined by LF. */
  readonly data: string;
  /** The last event id so far (this event's, or an earlier one's); '' when none was ever given. */
  readonly id: string;
  /** The `retry:` reconnection time in ms, when this event set one. */
  readonly retry: number | null;
}

/**
 * Feeds text chunks as they arrive; each call gives the events completed by it.
 *
 * @example
 * const parser = new SseParser()
 * parser.feed('event: ping\ndata: {}\n') // []
 * parser.feed('\n') // [{ event: 'ping', data: '{}', id: '', retry: null }]
 */
export class SseParser {
  private buffer = '';
  private started = false;
  private afterCr = false;
  private eventType = '';
  private data: string[] = [];
  private retry: number | null = null;
  private lastId = '';

  /** The id a reconnect sends as Last-Event-ID. */
  get lastEventId(): string {
    return this.lastId;
  }

  feed(chunk: string): SseEvent[] {
    let text = this.buffer + chunk;
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    if (text.length > 0) this.afterCr = false;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    const events: SseEvent[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (let found = lineEnd.exec(text); found; found = lineEnd.exec(text)) {
      const event = this.line(text.slice(start, found.index));
      if (event) events.push(event);
      start = lineEnd.lastIndex;
      // A CR ending this chunk may be the first half of a CRLF: the line is done, a LF next is not another.
      this.afterCr = found[0] === '\r' && start === text.length;
    }
    this.buffer = text.slice(start);
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) this.retry = Number(value);
    return null;
  }

  private dispatch(): SseEvent | null {
    const event: SseEvent | null =
      this.data.length === 0 ? null : { event: this.eventType || 'message', data: this.data.join('\n'), id: this.lastId, retry: this.retry };
    this.eventType = '';
    this.data = [];
    this.retry = null;
    return event;
  }
}
