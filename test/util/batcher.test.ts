import { expect } from 'chai';
import { Batcher, SharedBatcher } from '../../src/util/batcher.js';

// The batchers behind the run log's writes and SQLite's group commit of adds: every call made in
// one turn of the event loop goes out in one flush; each caller gets its own answer.

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Batcher (one flush per turn, one answer per call)', () => {
  it('flushes the calls of one turn together, in order, and answers each with its own result', async () => {
    const flushed: number[][] = [];
    const batcher = new Batcher(async (items: number[]) => {
      flushed.push(items);
      return items.map((item) => item * 10);
    });
    const first = await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    const second = await batcher.add(4);
    expect(first).to.deep.equal([10, 20, 30]);
    expect(second).to.equal(40);
    expect(flushed).to.deep.equal([[1, 2, 3], [4]]);
  });

  it('rejects every call of a failed flush with its error, and flushes the next turn anew', async () => {
    let fail = true;
    const batcher = new Batcher(async (items: string[]) => {
      if (fail) throw new Error('disk full');
      return items.map((item) => item.toUpperCase());
    });
    const answers = await Promise.all([batcher.add('a'), batcher.add('b')].map((call) => call.catch((error: Error) => error.message)));
    expect(answers).to.deep.equal(['disk full', 'disk full']);
    fail = false;
    expect(await batcher.add('c')).to.equal('C');
  });

  it('drains: resolves once every flush queued so far has finished', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done: number[] = [];
    const batcher = new Batcher(async (items: number[]) => {
      await gate;
      done.push(...items);
      return items;
    });
    void batcher.add(1);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    await nextTurn();
    await nextTurn();
    expect(drained, 'still flushing').to.equal(false);
    release();
    await draining;
    expect(done).to.deep.equal([1]);
  });
});

describe('SharedBatcher (one promise per flush)', () => {
  it('gives the calls of one turn the same promise, settled when their flush is', async () => {
    const flushed: string[][] = [];
    const batcher = new SharedBatcher(async (items: string[]) => {
      flushed.push(items);
    });
    const a = batcher.add('a');
    const b = batcher.add('b');
    expect(a).to.equal(b);
    await a;
    const c = batcher.add('c');
    expect(c).to.not.equal(a);
    await c;
    expect(flushed).to.deep.equal([['a', 'b'], ['c']]);
  });

  it('rejects the shared promise when its flush fails', async () => {
    const batcher = new SharedBatcher<number>(async () => {
      throw new Error('gone');
    });
    const error = await batcher.add(1).catch((e: unknown) => e);
    expect((error as Error).message).to.equal('gone');
  });
});
