import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The README's fenced code blocks, as the docs tests read them: each with the heading it sits under,
// so a test failure names the section a reader would look at, not a fragile block index.

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const README = path.join(REPO_ROOT, 'README.md');

export interface FencedBlock {
  /** The nearest heading above the block, with `#2`, `#3`… when a section has several blocks of the language. */
  readonly name: string;
  /** 1-based line of the block's first content line in README.md. */
  readonly line: number;
  readonly code: string;
}

/** Every ```<language> block of README.md, in order. */
export function readmeBlocks(language: string): FencedBlock[] {
  const lines = readFileSync(README, 'utf8').split('\n');
  const blocks: FencedBlock[] = [];
  const perHeading = new Map<string, number>();
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      const title = /^#{1,6}\s+(.*)$/.exec(line);
      if (title) heading = title[1]!.trim();
      continue;
    }
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (fence[1] === language) {
      const count = (perHeading.get(heading) ?? 0) + 1;
      perHeading.set(heading, count);
      blocks.push({ name: count === 1 ? heading : `${heading} #${count}`, line: start + 1, code: lines.slice(start, end).join('\n') + '\n' });
    }
    i = end; // skip past the closing fence: nothing inside a block is a heading
  }
  return blocks;
}

/** A block's shell commands: lines joined across `\` continuations and multi-line single-quoted strings; comments and blank lines left out. */
export function shellCommands(block: FencedBlock): string[] {
  const out: string[] = [];
  let pending = '';
  for (const line of block.code.split('\n')) {
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    pending += (pending ? '\n' : '') + line;
    const openQuote = (pending.match(/'/g)?.length ?? 0) % 2 === 1;
    if (!openQuote && !line.endsWith('\\')) {
      out.push(pending);
      pending = '';
    }
  }
  if (pending) out.push(pending);
  return out;
}

/** A command and its trailing `# comment` (which says what the example expects), apart. */
export function splitTrailingComment(command: string): { readonly code: string; readonly comment: string } {
  const rows = command.split('\n');
  const trailing = /\s#\s(.*)$/.exec(rows.at(-1)!);
  if (!trailing) return { code: command, comment: '' };
  return { code: [...rows.slice(0, -1), rows.at(-1)!.slice(0, trailing.index)].join('\n'), comment: trailing[1] ?? '' };
}

/** A `jobclock …` command line, with `VAR=value` assignments before it; run by readme-cli.test.ts. */
export const JOBCLOCK_LINE = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)jobclock(?:\s([\s\S]*))?$/;

/** An `export VAR=value …` line, setting variables for the block's later commands. */
export const EXPORT_LINE = /^export((?:\s+[A-Z_][A-Z0-9_]*=\S*)+)$/;

/** `A=1 B=2` as an object. */
export function assignments(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}
