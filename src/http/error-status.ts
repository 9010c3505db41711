import {
  ConflictingIdError,
  JobLookupError,
  JobStoreUnavailableError,
  MaxInstancesReachedError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  ValidationError,
} from '../errors.js';
import {
  AuthenticationError,
  CrossOriginRequestError,
  HostNotAllowedError,
  JobRunFailedError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
} from './http-errors.js';

/** How an error is answered: status, the `error_message`, extra headers, and whether it is our fault. */
export interface ErrorResponse {
  readonly status: number;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A genuine server fault: the detail is logged, and the client sees a generic message. */
  readonly fault: boolean;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The one table from error types to HTTP statuses. The first matching class wins (subclasses first). */
const STATUS_BY_ERROR: readonly (readonly [ErrorClass, number])[] = [
  [AuthenticationError, 401],
  [CrossOriginRequestError, 403],
  [RouteNotFoundError, 404],
  [MethodNotAllowedError, 405],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [HostNotAllowedError, 400],
  [JobLookupError, 404],
  [ConflictingIdError, 409],
  [MaxInstancesReachedError, 409],
  [SchedulerAlreadyRunningError, 400],
  [SchedulerNotRunningError, 400],
  // TaskLookupError and UnknownComponentError are ValidationErrors: bad input.
  [ValidationError, 400],
  // The database is down, restarting or read-only: nothing was applied, and a retry may succeed.
  [JobStoreUnavailableError, 503],
  // The task itself failed: a 500, but the one whose message is the task's, not ours.
  [JobRunFailedError, 500],
];

export const GENERIC_FAULT_MESSAGE = 'Internal server error';

/**
 * Maps any thrown value to its HTTP answer.
 *
 * @example
 * errorResponse(new JobLookupError('x')) // { status: 404, message: 'No job by the id of x was found', … }
 */
export function errorResponse(error: unknown): ErrorResponse {
  const entry = STATUS_BY_ERROR.find(([type]) => error instanceof type);
  if (entry && error instanceof Error) {
    return { status: entry[1], message: error.message, headers: headersFor(error), fault: false };
  }
  const exposed = exposedClientError(error);
  if (exposed) return { ...exposed, headers: {}, fault: false };
  return { status: 500, message: GENERIC_FAULT_MESSAGE, headers: {}, fault: true };
}

function headersFor(error: Error): Record<string, string> {
  if (error instanceof AuthenticationError) return { 'WWW-Authenticate': error.challenge };
  if (error instanceof MethodNotAllowedError) return { Allow: error.allowed.join(', ') };
  if (error instanceof JobStoreUnavailableError) return { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) };
  return {};
}

/** A Koa / http-errors style client error (`status` 4xx, `expose`), e.g. from a host app's middleware. */
function exposedClientError(error: unknown): { status: number; message: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, expose, message } = error as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499 || expose !== true) return null;
  return { status, message: typeof message === 'string' ? message : 'Bad request' };
}
