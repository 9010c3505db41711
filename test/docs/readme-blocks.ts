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
