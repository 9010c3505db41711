import { expect } from 'chai';
import { PRECISE_MIN_DELAY_MS, systemClock, type TimerHandle } from '../../src/clock/clock.js';

/** The system clock's timers; a precise one waits out its last milliseconds turn by turn. */
describe('systemClock timers', function () {
  this.timeout(30_000);

  const after = (delayMs: number, options?: { precise: boolean }) =>
    new Promise<{ firedAt: number; earliest: number }>((resolve) => {
      const earliest = Date.now() + delayMs;
      systemClock.setTimer(() => resolve({ firedAt: Date.now(), earliest }), delayMs, options);
    });

  it('fires a precise timer never before the millisecond it is due (Node timers may fire a millisecond early)', async () => {
    const fired = await Promise.all([
      after(PRECISE_MIN_DELAY_MS, { precise: true }),
      after(PRECISE_MIN_DELAY_MS + 37, { precise: true }),
      after(PRECISE_MIN_DELAY_MS + 71, { precise: true }),
    ]);
    for (const { firedAt, earliest } of fired) expect(firedAt).to.be.at.least(earliest);
    // Sooner than that, a precise timer is a plain one: it fires too.
    await Promise.all([after(PRECISE_MIN_DELAY_MS - 150, { precise: true }), after(20)]);
  });

  it('never fires a precise timer cleared before its Node timer, or while it waits out the last milliseconds', async () => {
    const fired: string[] = [];
    const early = systemClock.setTimer(() => fired.push('early'), PRECISE_MIN_DELAY_MS, { precise: true });
    systemClock.clearTimer(early);
    const entries = (systemClock as unknown as { timers: Map<number, object> }).timers;
    // Caught in its last milliseconds (its entry is a next turn, not a Node timer) and cleared. On a
    // busy machine Node's timer may come later than the lead, and the timer fires at once: try again.
    let late: TimerHandle | null = null;
    for (let attempt = 0; attempt < 20 && late === null; attempt++) {
      const handle = systemClock.setTimer(() => fired.push(`late ${attempt}`), PRECISE_MIN_DELAY_MS, { precise: true });
      const waiting = await new Promise<boolean>((resolve) => {
        const poll = () => {
          const entry = entries.get(handle.id);
          if (!entry) resolve(false);
          else if ('immediate' in entry) resolve(true);
          else setImmediate(poll);
        };
        poll();
      });
      if (!waiting) {
        expect(fired.pop()).to.equal(`late ${attempt}`);
        continue;
      }
      systemClock.clearTimer(handle);
      late = handle;
    }
    expect(late, 'never caught a precise timer in its last milliseconds').to.not.equal(null);
    // A timer set after both, and due after both, fires: by then neither has.
    const last = await after(PRECISE_MIN_DELAY_MS + 50, { precise: true });
    expect(last.firedAt).to.be.at.least(last.earliest);
    expect(fired).to.deep.equal([]);
    expect(entries.has(early.id) || entries.has((late as TimerHandle).id)).to.equal(false);
  });

  it('answers a distinct handle per timer', () => {
    const handles: TimerHandle[] = [systemClock.setTimer(() => {}, 10), systemClock.setTimer(() => {}, 10, { precise: true })];
    for (const handle of handles) systemClock.clearTimer(handle);
    expect(handles[0]?.id).to.not.equal(handles[1]?.id);
  });
});
