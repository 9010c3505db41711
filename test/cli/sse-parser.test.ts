import { expect } from 'chai';
import fc from 'fast-check';
import { SseParser, type SseEvent } from '../../src/cli/sse-parser.js';

// The event-stream text below is what a server sends (jobclock's events route: `id:`, `event:`
// the kind, `data:` snake_case JSON, `:` keep-alives), plus the WHATWG standard's own examples.

const STREAM = [
  ': connected',
  '',
  'id: 41',
  'event: job_added',
  'data: {"job_id":"nightly","jobstore":"default"}',
  '',
  ': keep-alive',
  '',
  'id: 42',
  'event: job_executed',
  'data: {"job_id":"nightly","scheduled_run_time":"2026-03-29T03:00:00+02:00","retval":null}',
  '',
  '',
].join('\n');

function parseAll(chunks: readonly string[]): SseEvent[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

describe('SseParser (the event stream of `jobclock events`)', () => {
  it('reads ids, kinds and JSON data, and skips keep-alive comments', () => {
    expect(parseAll([STREAM])).to.deep.equal([
      { event: 'job_added', data: '{"job_id":"nightly","jobstore":"default"}', id: '41', retry: null },
      { event: 'job_executed', data: '{"job_id":"nightly","scheduled_run_time":"2026-03-29T03:00:00+02:00","retval":null}', id: '42', retry: null },
    ]);
  });

  it('gives the same events however the text is cut into chunks, with CRLF, CR or LF line ends', () => {
    const whole = parseAll([STREAM]);
    fc.assert(
      fc.property(fc.constantFrom('\n', '\r\n', '\r'), fc.uniqueArray(fc.nat(STREAM.length * 2), { maxLength: 20 }), (eol, cuts) => {
        const text = STREAM.replaceAll('\n', eol);
        const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i) => text.slice(start, [...points, text.length][i]));
        expect(parseAll(chunks)).to.deep.equal(whole);
      }),
    );
  });

  it('follows the standard: multi-line data, one optional space, default kind, remembered id, no data no event', () => {
    const events = parseAll([
      'data: YHOO\ndata: +2\ndata:10\n\n', // the standard's stock example: lines joined with LF
      'event: only-a-kind\n\n', // no data: nothing dispatched
      'id: 7\ndata:  two spaces\n\n',
      'data: after\n\n', // keeps the last id
      'id: bad\u0000id\ndata: x\n\n', // an id with NUL is ignored
      'retry: 3000\ndata\n\n', // a field without colon: empty value
      '\uFEFFdata: not at start, so kept\n\n',
      'data: unterminated', // no blank line yet: not dispatched
    ]);
    expect(events).to.deep.equal([
      { event: 'message', data: 'YHOO\n+2\n10', id: '', retry: null },
      { event: 'message', data: ' two spaces', id: '7', retry: null },
      { event: 'message', data: 'after', id: '7', retry: null },
      { event: 'message', data: 'x', id: '7', retry: null },
      { event: 'message', data: '', id: '7', retry: 3000 },
    ]);
  });

  it('drops a byte order mark at the very start of the stream', () => {
    expect(parseAll(['\uFEFFdata: hi\n\n'])).to.deep.equal([{ event: 'message', data: 'hi', id: '', retry: null }]);
  });
});
