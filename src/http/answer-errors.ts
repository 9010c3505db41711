import type { Context, Next } from 'koa';
import type { Logger } from '../scheduler/logger.js';
import { errorResponse } from './error-status.js';

/**
 * Middleware that answers whatever the rest of the route throws as `{"error_message": …}` with its
 * status (see error-status.ts); only a genuine server fault is logged with its detail.
 */
export function answerErrors(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const response = errorResponse(error);
      if (response.fault) logger.error(`${ctx.method} ${ctx.path} failed`, error);
      // One line, no stack: while the store is down every request would otherwise print one.
      else if (response.status === 503) logger.warn(`${ctx.method} ${ctx.path} answered 503: ${response.message}`);
      ctx.status = response.status;
      ctx.set(response.headers);
      ctx.body = { error_message: response.message };
    }
  };
}
