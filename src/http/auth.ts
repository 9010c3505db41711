import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AuthenticationError } from './http-errors.js';

/**
 * A username and password that HTTP Basic auth accepts.
 *
 * @example
 * const admin: BasicUser = { username: 'admin', password: process.env.ADMIN_PASSWORD! }
 */
export interface BasicUser {
  readonly username: string;
  readonly password: string;
}

/**
 * Who may use the API. Off when neither is given. With both, a request passes when either accepts it.
 *
 * @example
 * { basic: [{ username: 'admin', password: process.env.ADMIN_PASSWORD! }] }
 * { authenticate: (ctx) => ctx.get('Authorization') === `Bearer ${token}` }
 */
export interface AuthOptions {
  /** HTTP Basic users (Flask-APScheduler's `SCHEDULER_AUTH = HTTPBasicAuth()`). */
  readonly basic?: readonly BasicUser[];
  /** A custom check: bearer tokens, sessions, client certificates… Return true to let the request in. */
  readonly authenticate?: (ctx: Context) => boolean | Promise<boolean>;
  /** `WWW-Authenticate` sent with a 401 when no Basic users are configured (default `Bearer realm="jobclock"`). */
  readonly challenge?: string;
}

export const BASIC_CHALLENGE = 'Basic realm="jobclock"';

/** Whether these options turn authentication on. */
export function authEnabled(options: AuthOptions | undefined): boolean {
  return (options?.basic?.length ?? 0) > 0 || options?.authenticate !== undefined;
}

/**
 * Middleware that lets a request through only when `options` accept it, else throws
 * {@link AuthenticationError}. It reads headers only, so it runs before any body is read.
 */
export function requireAuth(options: AuthOptions | undefined): (ctx: Context, next: Next) => Promise<void> {
  // Off: straight on, without an async frame of its own on every request.
  if (!authEnabled(options)) return (_ctx: Context, next: Next) => next();
  const accepts = authenticates(options);
  const users = options?.basic ?? [];
  const challenge = users.length > 0 ? BASIC_CHALLENGE : (options?.challenge ?? 'Bearer realm="jobclock"');
  return async (ctx: Context, next: Next) => {
    if (!(await accepts(ctx))) throw new AuthenticationError(challenge);
    await next();
  };
}

/**
 * Whether `options` accept a request (true for every request when auth is off), without refusing it:
 * for an endpoint that answers everyone but tells more to those who authenticate (`health`).
 */
export function authenticates(options: AuthOptions | undefined): (ctx: Context) => Promise<boolean> {
  if (!authEnabled(options)) return async () => true;
  const users = (options?.basic ?? []).map(hashUser);
  return async (ctx: Context) => {
    const byBasic = users.length > 0 && basicCredentialsMatch(ctx.get('Authorization'), users);
    // A hook written in plain JavaScript may return any truthy value: only `true` lets the request in.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare -- see above
    return byBasic || (options?.authenticate !== undefined && (await options.authenticate(ctx)) === true);
  };
}

interface HashedUser {
  readonly username: Buffer;
  readonly password: Buffer;
}

// Comparing fixed-length digests keeps the comparison's time independent of where inputs differ,
// and of their lengths.
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

function hashUser(user: BasicUser): HashedUser {
  return { username: sha256(user.username), password: sha256(user.password) };
}

/** Checks an `Authorization: Basic …` header against every user, without stopping at a match. */
function basicCredentialsMatch(header: string, users: readonly HashedUser[]): boolean {
  const credentials = parseBasicHeader(header);
  if (!credentials) return false;
  const username = sha256(credentials.username);
  const password = sha256(credentials.password);
  let matched = false;
  for (const user of users) {
    const userOk = timingSafeEqual(username, user.username);
    const passwordOk = timingSafeEqual(password, user.password);
    matched = (userOk && passwordOk) || matched;
  }
  return matched;
}

function parseBasicHeader(header: string): { username: string; password: string } | null {
  const match = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header.trim());
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
