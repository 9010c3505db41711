import { expect } from 'chai';
import fc from 'fast-check';
import { BoundedMap } from '../../src/util/bounded-map.js';

// The bound of the shared job rows and of SQLite's prepared statements: the least recently set
// entry goes first, through any mix of sets, re-sets, deletes and clears.

describe('BoundedMap (at most `limit` entries, least recently set dropped first)', () => {
  it('holds the last `limit` keys set, a key set again counting as new', () => {
    const map = new BoundedMap<string, number>(3);
    for (const key of ['a', 'b', 'c', 'a', 'd']) map.set(key, key.charCodeAt(0));
    expect(map.size).to.equal(3);
    expect(['a', 'b', 'c', 'd'].map((key) => map.get(key))).to.deep.equal([97, undefined, 99, 100]);
  });

  it('keeps dropping the oldest after a clear and after its keys ran out', () => {
    const map = new BoundedMap<number, number>(2);
    for (let i = 0; i < 5; i++) map.set(i, i);
    map.clear();
    for (let i = 10; i < 13; i++) map.set(i, i);
    expect([10, 11, 12].map((key) => map.get(key))).to.deep.equal([undefined, 11, 12]);
    map.delete(11);
    map.delete(12);
    for (let i = 20; i < 23; i++) map.set(i, i);
    expect([20, 21, 22].map((key) => map.get(key))).to.deep.equal([undefined, 21, 22]);
  });

  it('agrees with a list kept in order of setting, for any sequence of operations', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('clear' as const), key: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(operation, { maxLength: 200 }), (limit, operations) => {
        const map = new BoundedMap<number, number>(limit);
        let model: number[] = [];
        operations.forEach(({ kind, key }, step) => {
          if (kind === 'set') {
            map.set(key, step);
            model = [...model.filter((held) => held !== key), key].slice(-limit);
          } else if (kind === 'delete') {
            expect(map.delete(key)).to.equal(model.includes(key));
            model = model.filter((held) => held !== key);
          } else {
            map.clear();
            model = [];
          }
          expect(map.size).to.equal(model.length);
          for (let held = 0; held <= 12; held++) expect(map.get(held) !== undefined).to.equal(model.includes(held));
        });
      }),
    );
  });
});
