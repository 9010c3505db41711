import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { ValidationError } from '../errors.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors.js';

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** Deeper JSON than any job needs; bounds the walk below (job args stop at 32 levels anyway). */
const MAX_DEPTH = 64;

/**
 * Reads a request body as JSON; `undefined` when there is none. It is strict where the wire is
 * concerned and leaves the meaning of the value to the scheduler:
 * - a Content-Type other than JSON → 415 (none at all is read as JSON, as Flask's `get_json(force=True)`);
 * - more than `limit` bytes → 413, judged by Content-Length before reading, and while reading;
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
  // Embedded behind a body parser, the stream is gone: use what it kept.
  const request = ctx.request as typeof ctx.request & { rawBody?: unknown; body?: unknown };
  if (typeof request.rawBody === 'string') return request.rawBody;
  if (request.body !== undefined) return JSON.stringify(request.body);

  const req = ctx.req;
  if (!hasBody(req)) return undefined;
  assertJsonMediaType(ctx);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  const bytes = await readLimited(ctx, limit);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError('Request body is not valid UTF-8');
  }
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

function readLimited(ctx: Context, limit: number): Promise<Buffer> {
  const req = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      // Discard the rest, and close the connection after answering so a flood ends with it.
      req.resume();
      ctx.set('Connection', 'close');
      reject(new PayloadTooLargeError(limit));
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ValidationError(`Request body could not be read: ${error.message}`));
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      reject(new ValidationError('Request body was cut off'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Walks the parsed value without recursion (a 64 KiB body can nest thousands of levels). */
function assertStorableJson(root: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
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
