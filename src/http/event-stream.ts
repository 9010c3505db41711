import type { Context } from 'koa';
import type { TimerHandle } from '../clock/clock.js';
import { ValidationError } from '../errors.js';
import type { SchedulerEvent } from '../scheduler/events.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { eventToJSON, retvalJSONText } from './event-json.js';

/**
 * How `GET {prefix}/events` streams.
 *
 * @example
 * schedulerRouter(scheduler, { events: { keepAliveMs: 5000, bufferSize: 200 } })
 */
export interface EventStreamOptions {
  /** How often an idle stream gets a keep-alive comment (proxies close silent connections); default 15 s. */
  readonly keepAliveMs?: number;
  /** How many recent events are kept for clients that reconnect with `Last-Event-ID`; default 1000. */
  readonly bufferSize?: number;
}

/**
 * One event as it goes on the wire. Its frame is written when first sent: a burst with no client
 * listening then costs an id and a place in the buffer per event, not its JSON. A task's return
 * value (a string, an object…) is taken as JSON text at once and the event kept without it, so the
 * buffer never keeps a large value alive, nor shows one as it was changed after the run; an event
 * that holds an error is framed at once.
 */
interface StreamedEvent {
  readonly id: number;
  /** Until the frame is made (without its `retval` when `retval` is set). */
  event: SchedulerEvent | null;
  /** The return value's JSON text, taken when the event came. */
  retval: string | null;
  frame: string | null;
}

/**
 * The scheduler's events as Server-Sent Events. Every event gets an id and a place in a bounded
 * buffer from the moment the hub exists, so a client that reconnects with `Last-Event-ID` gets what
 * it missed (as far back as the buffer reaches). Each client has its own scheduler listener and
 * keep-alive timer, both gone once its connection closes.
 */
export class EventStreamHub {
  private readonly keepAliveMs: number;
  private readonly bufferSize: number;
  /** The latest events, oldest first from `oldest` (a ring: no shifting as each event comes). */
  private readonly buffer: StreamedEvent[] = [];
  private oldest = 0;
  /**
   * The frame of each event, set by the hub's listener (registered first, so it runs before any
   * client's) while some client listens: with none, an event needs no entry here.
   */
  private readonly frames = new WeakMap<SchedulerEvent, StreamedEvent>();
  private clients = 0;
  // Ids start at the current time in µs, so they keep increasing across restarts of the process: an
  // id from before a restart is older than every buffered event and gets the whole buffer.
  private lastId: number;

  constructor(private readonly scheduler: Scheduler, options: EventStreamOptions = {}) {
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.bufferSize = options.bufferSize ?? 1000;
    this.lastId = scheduler.clock.now().getTime() * 1000;
    scheduler.on('*', (event) => this.record(event));
  }

  /** Answers the request with the stream; the response ends when the client goes away or the scheduler shuts down. */
  open(ctx: Context): void {
    const after = lastEventId(ctx.get('Last-Event-ID'));
    const { clock } = this.scheduler;
    // Written straight to the response, past Koa (which would otherwise report every client that
    // goes away as a stream error), with no buffering on the way: headers now, each event as it comes.
    ctx.respond = false;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    const res = ctx.res;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
    // HEAD: the headers tell what the stream is; nothing to keep open.
    if (ctx.method === 'HEAD') {
      res.end();
      return;
    }
    const write = (text: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(text);
    };
    write('retry: 2000\n\n');
    if (after !== null) {
      for (let i = 0; i < this.buffer.length; i++) {
        const streamed = this.buffer[(this.oldest + i) % this.buffer.length] as StreamedEvent;
        if (streamed.id > after) write(frameOf(streamed));
      }
    }
    const onEvent = (event: SchedulerEvent) => {
      const streamed = this.frames.get(event);
      if (streamed) write(frameOf(streamed));
      if (event.kind === 'scheduler_shutdown') res.end();
    };
    let keepAlive: TimerHandle;
    const ping = () => {
      write(': keep-alive\n\n');
      keepAlive = clock.setTimer(ping, this.keepAliveMs);
    };
    keepAlive = clock.setTimer(ping, this.keepAliveMs);
    this.scheduler.on('*', onEvent);
    this.clients += 1;
    res.once('close', () => {
      this.clients -= 1;
      this.scheduler.off('*', onEvent);
      clock.clearTimer(keepAlive);
    });
  }

  private record(event: SchedulerEvent): void {
    const streamed: StreamedEvent = { id: ++this.lastId, event, retval: null, frame: null };
    if ('exception' in event) {
      frameOf(streamed);
    } else if (event.kind === 'job_executed' && holdsValue(event.retval)) {
      const { retval, ...rest } = event;
      streamed.event = rest as SchedulerEvent;
      streamed.retval = retvalJSONText(retval);
    }
    if (this.clients > 0) this.frames.set(event, streamed);
    if (this.buffer.length < this.bufferSize) {
      this.buffer.push(streamed);
    } else if (this.bufferSize > 0) {
      this.buffer[this.oldest] = streamed;
      this.oldest = (this.oldest + 1) % this.bufferSize;
    }
  }
}

/** The event's frame, made the first time it is asked for. */
function frameOf(streamed: StreamedEvent): string {
  if (streamed.frame === null) {
    const event = streamed.event as SchedulerEvent;
    let data = JSON.stringify(eventToJSON(event));
    // `retval` is the last key of a job_executed event, where eventToJSON would have put it.
    if (streamed.retval !== null) data = `${data.slice(0, -1)},"retval":${streamed.retval}}`;
    streamed.frame = `id: ${streamed.id}\nevent: ${event.kind}\ndata: ${data}\n\n`;
    streamed.event = null;
    streamed.retval = null;
  }
  return streamed.frame;
}

/** A return value that could change or be large (not nothing, a number or a boolean). */
function holdsValue(value: unknown): boolean {
  return !(value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean');
}

/** The id a reconnecting client saw last; null when it sends none. */
function lastEventId(header: string): number | null {
  const value = header.trim();
  if (value === '') return null;
  if (!/^\d{1,16}$/.test(value)) throw new ValidationError(`Last-Event-ID must be an event id this stream sent (digits), got "${value.slice(0, 40)}"`);
  return Number(value);
}
