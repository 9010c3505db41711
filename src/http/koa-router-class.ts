import { createRequire } from 'node:module';
import type { Router } from '@koa/router';

const requireModule = createRequire(import.meta.url);

/**
 * `@koa/router`'s Router class, loaded on first use. `schedulerRouter` returns its router
 * synchronously, so it cannot `await import()`; a static import would load the router (and, through
 * it, Koa's middleware stack) for every `import 'jobclock'`, even an application that never serves
 * HTTP. A CommonJS `require` is synchronous and `@koa/router` ships a CommonJS build.
 *
 * @example
 * const router = new (koaRouterClass())({ prefix: '/scheduler' })
 */
export function koaRouterClass(): typeof Router {
  return (requireModule('@koa/router') as typeof import('@koa/router')).Router;
}
