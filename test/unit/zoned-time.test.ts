import { describe, expect, it } from 'vitest';
import { renderNoticeText, timeIn } from '../../src/notifications/notice-text.js';
import {
  eventTime,
  formatZoned,
  mailTime,
  secondsUntil,
  zoneAbbreviation,
  zoneName,
} from '../../src/shared/zoned-time.js';

const NOW = '2026-06-01T12:00:00Z';
// 03:17 UTC on Sunday 6 December 2026: 22:17 on Saturday in New York.
const AT = '2026-12-06T03:17:00.000Z';

describe('times for people', () => {
  it('writes an instant in the zone it is about, labelled with that zone', () => {
    expect(eventTime(AT, 'America/New_York', { now: NOW })).toBe('Sat 5 Dec, 22:17 EST');
    expect(eventTime(AT, 'Europe/Berlin', { now: NOW })).toBe('Sun 6 Dec, 04:17 CET');
    expect(eventTime(AT, 'Europe/Lisbon', { now: NOW })).toBe('Sun 6 Dec, 03:17 WET');
    expect(eventTime(AT, 'UTC', { now: NOW })).toBe('Sun 6 Dec, 03:17 UTC');
    expect(formatZoned(AT, 'America/New_York', { clockOnly: true })).toBe('22:17 EST');
  });

  it('names summer time and zones without a common abbreviation by their offset', () => {
    const july = '2026-07-04T18:30:00Z';
    expect(zoneAbbreviation(july, 'America/New_York')).toBe('EDT');
    expect(zoneAbbreviation(july, 'Europe/London')).toBe('BST');
    expect(zoneAbbreviation(AT, 'Europe/London')).toBe('GMT');
    expect(zoneAbbreviation(july, 'Europe/Vienna')).toBe('CEST');
    expect(zoneAbbreviation(AT, 'Australia/Sydney')).toBe('AEDT');
    expect(zoneAbbreviation(AT, 'Asia/Tokyo')).toBe('UTC+9');
    expect(zoneAbbreviation(AT, 'Asia/Kolkata')).toBe('IST');
  });

  it('writes the year only when it is not this year there, and always in a mail', () => {
    expect(eventTime(AT, 'America/New_York', { now: '2025-12-01T00:00:00Z' })).toBe('Sat 5 Dec 2026, 22:17 EST');
    // New Year's Eve in New York is already next year in UTC: "this year" is the zone's.
    expect(eventTime('2027-01-01T03:00:00Z', 'America/New_York', { now: '2026-12-31T20:00:00Z' })).toBe(
      'Thu 31 Dec, 22:00 EST',
    );
    expect(mailTime(AT, 'America/New_York')).toBe('Sat 5 Dec 2026, 22:17 EST (New York time)');
    expect(mailTime(AT, 'UTC')).toBe('Sun 6 Dec 2026, 03:17 UTC');
  });

  it('names a zone as its place', () => {
    expect(zoneName('America/New_York')).toBe('New York time');
    expect(zoneName('America/Argentina/Buenos_Aires')).toBe('Buenos Aires time');
    expect(zoneName('Etc/UTC')).toBe('UTC');
  });

  it('counts whole seconds down to zero', () => {
    expect(secondsUntil('2026-01-01T00:00:12.000Z', '2026-01-01T00:00:00.000Z')).toBe(12);
    expect(secondsUntil('2026-01-01T00:00:12.000Z', '2026-01-01T00:00:00.400Z')).toBe(12);
    expect(secondsUntil('2026-01-01T00:00:12.000Z', '2026-01-01T00:00:13.000Z')).toBe(0);
  });
});

describe('notice texts', () => {
  const data = {
    after: { startsAt: '2026-12-27T19:00:00.000Z' },
    refundUntil: '2026-12-20T10:00:00.000Z',
    timeZone: 'Europe/Berlin',
  };
  const body = `New date: ${timeIn('after.startsAt')}. Cancel for a refund until ${timeIn('refundUntil')}.`;

  it('renders a placeholder from the raw value in the data, in the event zone, for the app and for a mail', () => {
    expect(renderNoticeText(body, data, 'app', new Date(NOW))).toBe(
      'New date: Sun 27 Dec, 20:00 CET. Cancel for a refund until Sun 20 Dec, 11:00 CET.',
    );
    expect(renderNoticeText(body, data, 'mail')).toBe(
      'New date: Sun 27 Dec 2026, 20:00 CET (Berlin time). Cancel for a refund until Sun 20 Dec 2026, 11:00 CET (Berlin time).',
    );
  });

  it('never shows a raw instant: an old text with ISO in it, a missing value, an unknown zone', () => {
    const legacy = 'New date: 2026-12-27T19:00:00.000Z. Your tickets stay valid.';
    expect(renderNoticeText(legacy, { timeZone: 'Europe/Berlin' }, 'app', new Date(NOW))).toBe(
      'New date: Sun 27 Dec, 20:00 CET. Your tickets stay valid.',
    );
    expect(renderNoticeText(legacy, {}, 'app', new Date(NOW))).toBe(
      'New date: Sun 27 Dec, 19:00 UTC. Your tickets stay valid.',
    );
    expect(renderNoticeText(`Starts ${timeIn('startsAt')}.`, { timeZone: 'Nowhere/Atlantis' }, 'app')).toBe(
      'Starts a time to be confirmed.',
    );
    expect(
      renderNoticeText(
        `Starts ${timeIn('startsAt')}.`,
        { startsAt: AT, timeZone: 'Nowhere/Atlantis' },
        'app',
        new Date(NOW),
      ),
    ).toBe('Starts Sun 6 Dec, 03:17 UTC.');
  });
});
