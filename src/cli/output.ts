import type { Command } from 'commander';

/*
 * What a command prints: for a person, a few lines of text; with `--json`, JSON on one line (the
 * server's answer as it came, for the commands that talk to one), for a script to parse.
 */

/** Adds `--json` to a command. */
export function withJsonOption(command: Command): Command {
  return command.option('--json', 'print JSON (one document, or one per line for streams)');
}

/** Prints `value` as JSON with `--json`, else the lines `text` makes of it. */
export function printResult<T>(json: boolean, value: T, text: (value: T) => readonly string[]): void {
  if (json) console.log(JSON.stringify(value));
  else for (const line of text(value)) console.log(line);
}
