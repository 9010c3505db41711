import type { ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { MAX_ID_LENGTH } from '../jobs/job-definition.js';
import type { JobPage } from '../stores/job-store.js';

export const MAX_PAGE_SIZE = 1000;

/** `?limit=`: how many jobs (or runs) a page holds. */
export const pageLimitSchema = z.int().min(1).max(MAX_PAGE_SIZE).meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE}` });

/** `?after=`: the keyset cursor, the last job id of the page before. */
export const pageAfterSchema = z.string().min(1).max(MAX_ID_LENGTH).meta({ description: 'Only jobs whose id sorts after this one' });

/**
 * Reads `?limit=` (1..1000) and `?after=<id>` (keyset: ids sorting after it). No query means every
 * job, as Flask-APScheduler's `GET /jobs`. Other query parameters are ignored.
 *
 * @example
 * parseJobPage({ limit: '100', after: 'job-0099' }) // { limit: 100, after: 'job-0099' }
 */
export function parseJobPage(query: ParsedUrlQuery): JobPage {
  const limit = singleQueryValue(query, 'limit');
  const after = singleQueryValue(query, 'after');
  return {
    ...(limit !== undefined && { limit: parseLimit(limit) }),
    ...(after !== undefined && { after: parseAfter(after) }),
  };
}

/**
 * The `Link` header pointing at the next page, when this page is full (there may be more).
 *
 * @example
 * nextPageLink('/scheduler', { limit: 2 }, ['a', 'b']) // '</scheduler/jobs?limit=2&after=b>; rel="next"'
 */
export function nextPageLink(prefix: string, page: JobPage, ids: readonly string[]): string | null {
  const last = ids.at(-1);
  if (page.limit === undefined || ids.length < page.limit || last === undefined) return null;
  return `<${prefix}/jobs?limit=${page.limit}&after=${encodeURIComponent(last)}>; rel="next"`;
}

/**
 * A query parameter given at most once (`undefined` when absent); twice is a `ValidationError`.
 *
 * @example
 * singleQueryValue(ctx.query, 'count') // '5' for ?count=5
 */
export function singleQueryValue(query: ParsedUrlQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new ValidationError(`Query parameter "${name}" must be given at most once`);
  return value;
}

function parseLimit(value: string): number {
  const limit = /^[0-9]{1,7}$/.test(value) ? Number(value) : NaN;
  if (!pageLimitSchema.safeParse(limit).success) {
    throw new ValidationError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${JSON.stringify(value)}`);
  }
  return limit;
}

function parseAfter(value: string): string {
  // A cursor is a job id: the same characters are impossible in both.
  if (value.length === 0 || value.length > MAX_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(value) || /\p{Cs}/u.test(value)) {
    throw new ValidationError(`after must be a job id (1 to ${MAX_ID_LENGTH} characters, no control characters)`);
  }
  return value;
}
