import type { IncomingMessage } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { ValidationError } from '../errors.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors.js';

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** Deeper JSON than any job needs; bounds the walk below (job args stop at 32 levels anyway). */
const MAX_DEPTH = 64;

/**
 * Reads a request body as JSON; `undefined` when there is none. It is strict where the wire is
 * concerned and leaves the meaning of the value to the scheduler:
 * - a Content-Type other than JSON → 415 (none at all is read as JSON, as Flask's `get_json(force=True)`);
 * - more than `limit` bytes → 413, judged by Content-Length before reading, and while reading
 *   (the stream is read by @koa/bodyparser);
 * - invalid UTF-8, malformed JSON, `__proto__` keys, U+0000 or unpaired surrogates in any string → 400
 *   (U+0000 cannot be stored by PostgreSQL, and the others would come back changed).
 *
 * @example
 * const body = await readJsonBody(ctx, 64 * 1024)
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  const text = await readBodyText(ctx, limit);
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`Malformed JSON body: ${(error as Error).message}`);
  }
  assertStorableJson(value);
  return value;
}

async function readBodyText(ctx: Context, limit: number): Promise<string | undefined> {
  // Embedded behind a host's body parser, the stream is gone: use what it kept.
  const request = ctx.request as typeof ctx.request & { rawBody?: unknown; body?: unknown };
  if (typeof request.rawBody === 'string') return request.rawBody;
  if (request.body !== undefined) return JSON.stringify(request.body);

  if (!hasBody(ctx.req)) return undefined;
  assertJsonMediaType(ctx);
  await parseWithBodyParser(ctx, limit);
  // latin1 gave the bytes back one to one; decoding them here is what makes invalid UTF-8 a 400.
  const raw = typeof request.rawBody === 'string' ? request.rawBody : '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'latin1'));
  } catch {
    throw new ValidationError('Request body is not valid UTF-8');
  }
  // Leave the request as a host's parser would: the real text, read again from it if asked.
  request.rawBody = text;
  request.body = undefined;
  return text;
}

/** One reader per limit: @koa/bodyparser's options are fixed when it is made. */
const parsers = new Map<number, Middleware>();

/**
 * Reads the stream with @koa/bodyparser (limit, aborted requests, Content-Length checks). The media
 * type is judged above (bodyparser would ignore a wrong one silently, we answer 415), so it is told
 * the body is JSON. It decodes as latin1 because its UTF-8 decoding replaces invalid bytes with
 * U+FFFD; a body that is valid UTF-8 JSON is also valid latin1 JSON, so its verdict on syntax stands.
 */
async function parseWithBodyParser(ctx: Context, limit: number): Promise<void> {
  let parser = parsers.get(limit);
  if (!parser) {
    parser = bodyParser({ enableTypes: ['json'], detectJSON: () => true, jsonStrict: false, jsonLimit: limit, encoding: 'latin1', parsedMethods: READ_METHODS });
    parsers.set(limit, parser);
  }
  try {
    await parser(ctx, async () => {});
  } catch (error) {
    throw bodyError(ctx, error, limit);
  }
}

const READ_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** The typed error for what bodyparser (raw-body, co-body) threw. */
function bodyError(ctx: Context, error: unknown, limit: number): Error {
  const { status, type, message } = error as { status?: number; type?: string; message?: string };
  if (status === 413) {
    // Discard the rest, and close the connection after answering so a flood ends with it.
    ctx.req.resume();
    ctx.set('Connection', 'close');
    return new PayloadTooLargeError(limit);
  }
  if (type === 'request.aborted') return new ValidationError('Request body was cut off');
  if (type === undefined && status === 400) return new ValidationError(`Malformed JSON body: ${message ?? 'not JSON'}`);
  return new ValidationError(`Request body could not be read: ${message ?? String(error)}`);
}

function hasBody(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

function assertJsonMediaType(ctx: Context): void {
  const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new UnsupportedMediaTypeError(`Content-Encoding "${encoding}" is not supported; send the JSON uncompressed`);
  }
  if (ctx.get('Content-Type').trim() === '') return;
  const type = ctx.request.type.toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]*\+json$/.test(type)) {
    throw new UnsupportedMediaTypeError(`Content-Type "${type}" is not supported; send application/json`);
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`charset "${charset}" is not supported; send UTF-8`);
  }
}

/** Walks the parsed value without recursion (a 64 KiB body can nest thousands of levels). */
function assertStorableJson(root: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the loop runs while the stack is not empty
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      assertStorableString(value, 'a string');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) throw new ValidationError(`JSON body is nested more than ${MAX_DEPTH} levels deep`);
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key === '__proto__') throw new ValidationError('JSON body must not contain "__proto__" keys');
      assertStorableString(key, 'a key');
      stack.push({ value: item, depth: depth + 1 });
    }
  }
}

function assertStorableString(text: string, what: string): void {
  if (text.includes('\u0000')) throw new ValidationError(`JSON body contains ${what} with U+0000, which cannot be stored`);
  if (UNPAIRED_SURROGATE.test(text)) throw new ValidationError(`JSON body contains ${what} with an unpaired surrogate`);
}
