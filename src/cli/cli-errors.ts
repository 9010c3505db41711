import { CommanderError } from 'commander';
import { ValidationError } from '../errors.js';

/*
 * The CLI's failures and the one place they become exit codes, so scripts can trust them:
 * 0 done, 1 refused (the server said no, or could not be reached), 2 bad usage.
 */

/** Exit codes of `jobclock`. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/** The command line itself is wrong: an unknown option, unparseable JSON, a missing argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The server answered with an error status; `message` is its `error_message`. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** No answer from the server: nothing listens there, DNS failed, the connection dropped. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/**
 * The exit code for an error thrown by a command. Commander's own (help shown, bad usage) keep 0
 * for `--help` and `--version` and become 2 otherwise; a `ValidationError` is input jobclock checked
 * on this machine (a trigger to preview), so usage too.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof UsageError || error instanceof ValidationError) return EXIT.usage;
  return EXIT.refused;
}
