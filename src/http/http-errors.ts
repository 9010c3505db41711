import { JobclockError } from '../errors.js';

// Errors only the REST layer raises: each is about the HTTP request itself, not about jobs.
// Their statuses are given in `error-status.ts`, with every other error's.

/** No or wrong credentials. `challenge` is sent back as `WWW-Authenticate`. */
export class AuthenticationError extends JobclockError {
  constructor(readonly challenge: string) {
    super('Authentication required');
  }
}

/** The request body is larger than the router's `bodyLimit`. */
export class PayloadTooLargeError extends JobclockError {
  constructor(readonly limit: number) {
    super(`Request body is larger than ${limit} bytes`);
  }
}

/** A body that is not JSON (by its Content-Type, charset or Content-Encoding). */
export class UnsupportedMediaTypeError extends JobclockError {}

/** A mutating request a browser sent from a page of another origin (cross-site request forgery). */
export class CrossOriginRequestError extends JobclockError {
  constructor(readonly origin: string) {
    super(`Cross-origin request refused (from ${origin}); the API only takes changes from its own origin`);
  }
}

/** A path under the prefix that names no endpoint. */
export class RouteNotFoundError extends JobclockError {
  constructor(readonly method: string, readonly path: string) {
    super(`No endpoint at ${path}`);
  }
}

/** A path that exists, asked with a method it does not take. */
export class MethodNotAllowedError extends JobclockError {
  constructor(readonly method: string, readonly path: string, readonly allowed: readonly string[]) {
    super(`Method ${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  }
}

/** `POST /start` on a host that `allowed_hosts` does not list (Flask-APScheduler only starts on those). */
export class HostNotAllowedError extends JobclockError {
  constructor(readonly hostname: string, readonly allowedHosts: readonly string[]) {
    super(`Scheduler not started: host "${hostname}" is not in allowed hosts (${allowedHosts.join(', ')})`);
  }
}

/** A job run through `POST /jobs/:id/run` whose task threw; carries the task's own message. */
export class JobRunFailedError extends JobclockError {
  constructor(readonly jobId: string, override readonly cause: Error) {
    super(cause.message || `Job "${jobId}" failed`);
  }
}
