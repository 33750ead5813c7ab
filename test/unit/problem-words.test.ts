import { describe, expect, it } from 'vitest';
import {
  describeProblem,
  fieldText,
  pageProblemWords,
  problemText,
  type FieldFacts,
  type ProblemFacts,
} from '../../web/src/lib/words.js';

/** The pages' words for refusals (web/src/lib/words.ts): people's words, never a code or a rule. */

const field = (f: Partial<FieldFacts> & { field: string; code: string }): FieldFacts => ({
  in: 'body',
  message: 'rule text for developers',
  ...f,
});
const invalid = (...errors: FieldFacts[]): ProblemFacts => ({ status: 400, code: 'request.invalid', errors });

/** What a page must never show: a dotted code, zod's wording, a field's code name. */
const RAW = /\b[a-z]+\.[a-z_]+\b|Invalid|Too small|Too big|expected|received|query\.|body\.|[a-z][A-Z]/;

describe('field words', () => {
  it('say what to do, from the field and the rule', () => {
    expect(fieldText(field({ field: 'name', code: 'too_small', origin: 'string', minimum: 1 }))).toBe('Enter a name.');
    expect(fieldText(field({ field: 'address', code: 'invalid_type', expected: 'string', missing: true }))).toBe(
      'Enter the street address.',
    );
    expect(fieldText(field({ field: 'email', code: 'invalid_format', format: 'email' }))).toBe(
      'Enter your email address like name@example.com.',
    );
    expect(fieldText(field({ field: 'capacity', code: 'too_small', origin: 'number', minimum: 0 }))).toBe(
      'The capacity must be 0 or more.',
    );
    expect(
      fieldText(field({ field: 'radiusKm', code: 'too_small', origin: 'number', minimum: 0, inclusive: false })),
    ).toBe('The distance must be more than 0.');
    expect(fieldText(field({ field: 'title', code: 'too_big', origin: 'string', maximum: 200 }))).toBe(
      'Keep a title to 200 characters or fewer.',
    );
  });

  it('have their own words where the rule is particular to the field', () => {
    expect(fieldText(field({ in: 'query', field: 'sort', code: 'needs_point' }))).toBe(
      'Choose a place near you to sort by distance.',
    );
    expect(fieldText(field({ field: 'password', code: 'too_small', origin: 'string', minimum: 10 }))).toBe(
      'Use 10 characters or more for your password.',
    );
  });

  it('never blame the fan for what the page sent', () => {
    expect(fieldText(field({ in: 'header', field: 'Idempotency-Key', code: 'key_reused' }))).toBe(
      'This page is out of date. Reload it and try again.',
    );
    expect(fieldText(field({ field: '', code: 'malformed_json' }))).toMatch(/^Your browser sent something/);
    expect(fieldText(field({ in: 'params', field: 'id', code: 'malformed_encoding' }))).toBe(
      'This link is broken. Check it and try again.',
    );
  });

  it('name other fields a rule mentions by their labels, and unknown fields in words', () => {
    expect(fieldText(field({ field: 'saleEndsAt', code: 'custom', message: 'must be after saleStartsAt' }))).toBe(
      'The end of the sale must be after the start of the sale.',
    );
    expect(fieldText(field({ field: 'blocks.0.somethingNew', code: 'too_small', origin: 'number', minimum: 1 }))).toBe(
      'The something new must be 1 or more.',
    );
  });
});

describe('a refusal as a status line', () => {
  it('an invalid request says what to fix in each field, once each', () => {
    const text = describeProblem(
      invalid(
        field({ in: 'query', field: 'sort', code: 'needs_point' }),
        field({ field: 'name', code: 'too_small', origin: 'string', minimum: 1 }),
        field({ field: 'address', code: 'too_small', origin: 'string', minimum: 1 }),
        field({ in: 'query', field: 'sort', code: 'needs_point' }),
      ),
    );
    expect(text).toBe('Choose a place near you to sort by distance. Enter a name. Enter the street address.');
    expect(text).not.toMatch(RAW);
  });

  it('a busy service is busy, not "not found"', () => {
    expect(problemText({ status: 503, code: 'request.timeout' })).toMatch(/very busy/);
    expect(problemText({ status: 503, code: '' })).toMatch(/very busy/);
    expect(problemText({ status: 502, code: '' })).toMatch(/very busy/);
    expect(pageProblemWords({ status: 503, code: 'request.timeout' }, 'event')).toMatchObject({
      title: 'Fairdrop is very busy right now',
      retrying: true,
    });
    expect(pageProblemWords({ status: 404, code: 'discovery.event_not_found' }, 'event')).toMatchObject({
      title: 'We can’t find this event',
      retrying: false,
    });
    // A mistyped id is a link that leads nowhere, said the same way.
    expect(
      pageProblemWords(invalid(field({ in: 'params', field: 'id', code: 'invalid_format', format: 'uuid' })), 'event')
        .title,
    ).toBe('We can’t find this event');
  });

  it('fills in what the problem carries: limits, counts, moments, the reference to quote', () => {
    expect(problemText({ status: 409, code: 'sales.not_enough_seats', available: 3 })).toBe(
      'Only 3 left of this ticket type right now. Choose fewer.',
    );
    expect(problemText({ status: 429, code: 'rate_limited', retryAfter: 7 })).toBe(
      'Too many tries in a short time. Try again in 7 seconds.',
    );
    expect(problemText({ status: 500, code: 'internal', requestId: 'req-9' })).toContain('reference req-9');
    expect(problemText({ status: 409, code: 'sales.not_on_sale', opensAt: '2030-01-01T10:00:00Z' })).toMatch(
      /^Tickets go on sale .*2030.*\.$/,
    );
  });
});
