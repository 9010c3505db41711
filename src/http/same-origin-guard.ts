import type { Context, Next } from 'koa';
import { CrossOriginRequestError, UnsupportedMediaTypeError } from './http-errors.js';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Middleware that refuses cross-site request forgery on the API's mutating routes. A browser names
 * the page a request comes from in `Origin` (and `Sec-Fetch-Site`) on every POST, PATCH and DELETE:
 * - from another origin (another host or port, a sandboxed `null` origin) → 403;
 * - from a page at all, without `Content-Type: application/json` → 415: such a request is one a
 *   foreign page could send without a CORS preflight (forms, `no-cors` fetches), which the API never
 *   answers, so a JSON one cannot be forged across origins.
 * Requests without those headers (curl, servers, Flask-APScheduler clients) are not browser requests
 * made on a user's behalf and pass as before. Hosts are compared (not schemes), so a TLS-terminating
 * proxy in front does not need `app.proxy` for this check.
 *
 * @example
 * router.post('/jobs', requireSameOrigin, addJob)
 */
export function requireSameOrigin(ctx: Context, next: Next): Promise<void> {
  if (MUTATING_METHODS.has(ctx.method)) {
    const origin = ctx.get('Origin');
    const fetchSite = ctx.get('Sec-Fetch-Site').toLowerCase();
    if (origin !== '' && originHost(origin) !== ctx.host.toLowerCase()) throw new CrossOriginRequestError(origin);
    if (fetchSite !== '' && fetchSite !== 'same-origin' && fetchSite !== 'none') throw new CrossOriginRequestError(origin || fetchSite);
    const fromPage = origin !== '' || fetchSite !== '';
    if (fromPage && ctx.request.type.toLowerCase() !== 'application/json') {
      throw new UnsupportedMediaTypeError('A request from a web page must be sent as Content-Type: application/json');
    }
  }
  // Not async: a refusal above is thrown to koa-compose, which answers it as a rejected promise.
  return next();
}

/** `host[:port]` of an Origin header, lower-case; null when it is not an http(s) origin (`null`, garbage). */
function originHost(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : null;
  } catch {
    return null;
  }
}
