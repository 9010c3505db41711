import { expect } from 'chai';
import { daysInMonth, formatInZone, isoWeekOf, weekdayOf, zoneNamed } from '../../src/triggers/timezone.js';

const wall = (text: string) => Date.parse(`${text}Z`);

describe('time zone helpers', () => {
  it('maps wall times to instants: unique, in a gap, in a repeat', () => {
    const london = zoneNamed('Europe/London');
    expect(london.fromWall(wall('2030-07-01T12:00:00'))).to.deep.equal({ kind: 'unique', instant: Date.parse('2030-07-01T11:00:00Z') });
    expect(london.fromWall(wall('2030-03-31T01:30:00'))).to.deep.equal({
      kind: 'gap', gapEndWall: wall('2030-03-31T02:00:00'), shifted: Date.parse('2030-03-31T01:30:00Z'),
    });
    expect(london.fromWall(wall('2030-10-27T01:30:00'))).to.deep.equal({
      kind: 'ambiguous', earlier: Date.parse('2030-10-27T00:30:00Z'), later: Date.parse('2030-10-27T01:30:00Z'),
    });
    const lordHowe = zoneNamed('Australia/Lord_Howe');
    expect(lordHowe.fromWall(wall('2030-10-06T02:10:00'))).to.include({ kind: 'gap', gapEndWall: wall('2030-10-06T02:30:00') });
    expect(lordHowe.fromWall(wall('2030-04-07T01:40:00'))).to.include({ kind: 'ambiguous', later: Date.parse('2030-04-06T15:10:00Z') });
  });

  it('gives offsets right at the transition instant', () => {
    const newYork = zoneNamed('America/New_York');
    const change = Date.parse('2030-03-10T07:00:00Z');
    expect(newYork.offsetAt(change - 1)).to.equal(-5 * 3_600_000);
    expect(newYork.offsetAt(change)).to.equal(-4 * 3_600_000);
  });

  it('formats instants with the zone\'s offset', () => {
    expect(formatInZone(new Date('2030-03-31T01:00:00Z'), 'Europe/London')).to.equal('2030-03-31T02:00:00+01:00');
    expect(formatInZone(new Date('2030-04-06T15:10:00Z'), 'Australia/Lord_Howe')).to.equal('2030-04-07T01:40:00+10:30');
    expect(formatInZone(new Date('2030-01-01T00:00:00Z'), 'America/New_York')).to.equal('2029-12-31T19:00:00-05:00');
    expect(formatInZone(new Date('2030-01-01T00:00:00Z'), 'UTC')).to.equal('2030-01-01T00:00:00+00:00');
  });

  it('has Python\'s calendar: weekday 0 = Monday, ISO weeks, month lengths', () => {
    expect(weekdayOf(2030, 1, 7)).to.equal(0);
    expect(weekdayOf(2030, 1, 6)).to.equal(6);
    expect(isoWeekOf(2030, 12, 30)).to.equal(1);
    expect(isoWeekOf(2027, 1, 1)).to.equal(53);
    expect(isoWeekOf(2026, 12, 31)).to.equal(53);
    expect([daysInMonth(2032, 2), daysInMonth(2100, 2), daysInMonth(2000, 2), daysInMonth(2030, 4)]).to.deep.equal([29, 28, 29, 30]);
  });
});
