import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogue, LOCALES, type Locale } from '../../src/i18n/index.js';
import { t, useMessages } from '../../web/src/lib/i18n.js';
import {
  describeProblem,
  fieldLabels,
  fieldText,
  fieldWordKeys,
  pageProblemWords,
  problemText,
  problemWords,
  type FieldFacts,
  type ProblemFacts,
} from '../../web/src/lib/words.js';

/**
 * The pages' words for refusals (web/src/lib/words.ts): people's words, never a code or a rule,
 * in each of the pages' languages (the `problems` catalogue, as a page embeds it).
 */

const speak = (locale: Locale) =>
  useMessages(locale, catalogue(locale, ['common', 'problems']) as Record<string, Record<string, unknown>>);
beforeAll(() => {
  for (const locale of LOCALES) speak(locale);
});
beforeEach(() => speak('en'));

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

/** The shapes of problem a code's words read: bare, and with everything a variant fills in. */
const SHAPES = (code: string): ProblemFacts[] => [
  { status: 409, code },
  {
    status: 409,
    code,
    requestId: 'req-1',
    retryAfter: 3,
    opensAt: '2030-01-01T10:00:00Z',
    until: '2030-01-01T10:00:00Z',
    limit: 4,
    counted: 2,
    available: 2,
    maxPriceCents: 4550,
    minWidth: 1200,
    minHeight: 630,
    ratio: 2.5,
  },
  { status: 409, code, endedAt: '2030-01-01T10:00:00Z' },
  { status: 409, code, state: 'paused' },
  { status: 409, code, state: 'closed' },
  { status: 409, code, limit: 1 },
];

/** Each language's words for every shape of every code, field word and field name. */
function allWords(locale: Locale): Map<string, string> {
  speak(locale);
  const words = new Map<string, string>();
  for (const code of Object.keys(problemWords))
    SHAPES(code).forEach((problem, i) => words.set(`${code}#${i}`, problemText(problem)));
  for (const key of fieldWordKeys()) words.set(key, t(key));
  for (const [path, label] of Object.entries(fieldLabels)) words.set(`label:${path}`, label);
  return words;
}

describe('every refusal in every language', () => {
  it('has words for every code, field word and field name in English, German and Spanish', () => {
    const english = allWords('en');
    expect(english.size).toBeGreaterThan(1000);
    for (const locale of LOCALES) {
      const words = allWords(locale);
      for (const [key, text] of words) {
        // A missing message comes back as its key ("orders.not_found", "label.gate").
        expect(text, `${locale} ${key}`).not.toMatch(/^[\w.]+\.[\w.]+$|^problems:|^(internal|rate_limited)$/);
        if (!key.startsWith('label:')) expect(text, `${locale} ${key}`).toMatch(/^[A-ZÄÖÜÁÉÍÓÚ¿¡„«“].*[.!]$/);
        // No code or catalogue path inside a sentence either.
        expect(text, `${locale} ${key}`).not.toMatch(/\b[a-z]+\.[a-z]*_[a-z_]*\b|\b(label|field|rule|shared)\.\w/);
      }
      if (locale === 'en') continue;
      // A message missing in German or Spanish would fall back to the English one.
      const same = [...words].filter(([key, text]) => english.get(key) === text).map(([key]) => key);
      expect(same, locale).toEqual([]);
    }
  });

  it('German: rules, counts and numbers in German', () => {
    speak('de');
    expect(fieldText(field({ field: 'name', code: 'too_small', origin: 'string', minimum: 1 }))).toBe(
      'Der Name fehlt.',
    );
    expect(fieldText(field({ field: 'capacity', code: 'too_small', origin: 'number', minimum: 1500 }))).toBe(
      'Die Kapazität muss mindestens 1.500 sein.',
    );
    expect(fieldText(field({ field: 'title', code: 'too_big', origin: 'string', maximum: 200 }))).toBe(
      'Der Titel darf höchstens 200 Zeichen lang sein.',
    );
    expect(fieldText(field({ field: 'password', code: 'too_small', origin: 'string', minimum: 10 }))).toBe(
      'Ihr Passwort braucht mindestens 10 Zeichen.',
    );
    // A form's own label, quoted as the form writes it.
    expect(fieldText(field({ field: 'x', code: 'invalid_type', missing: true }), '„Verkaufsende“')).toBe(
      '„Verkaufsende“ fehlt.',
    );
    // An English predicate from the API is not shown on a German page.
    expect(fieldText(field({ field: 'saleEndsAt', code: 'custom', message: 'must be after saleStartsAt' }))).toBe(
      'Das Verkaufsende ist nicht gültig.',
    );
    expect(problemText({ status: 429, code: 'rate_limited', retryAfter: 1 })).toBe(
      'Zu viele Versuche in kurzer Zeit. Versuchen Sie es in 1 Sekunde erneut.',
    );
    expect(problemText({ status: 409, code: 'sales.limit_exceeded', limit: 4, counted: 2 })).toBe(
      'Diese Veranstaltung erlaubt 4 Tickets pro Konto, und Sie haben bereits 2. Wählen Sie weniger.',
    );
    expect(problemText({ status: 409, code: 'resale.price_above_cap', maxPriceCents: 4550 })).toContain('45,50');
    expect(problemText({ status: 409, code: 'sales.not_on_sale', opensAt: '2030-01-05T10:00:00Z' })).toMatch(
      /^Tickets gibt es ab .*5\. Jan\. 2030.*\.$/,
    );
    expect(pageProblemWords({ status: 404, code: 'discovery.event_not_found' }, 'event').title).toBe(
      'Wir finden diese Veranstaltung nicht',
    );
  });

  it('Spanish: the plural forms Spanish has, and its numbers', () => {
    speak('es');
    expect(problemText({ status: 429, code: 'rate_limited', retryAfter: 7 })).toBe(
      'Demasiados intentos en poco tiempo. Inténtalo de nuevo en 7 segundos.',
    );
    expect(problemText({ status: 429, code: 'rate_limited', retryAfter: 1 })).toMatch(/en 1 segundo\.$/);
    expect(fieldText(field({ field: 'email', code: 'invalid_format', format: 'email' }))).toBe(
      'Introduce tu correo electrónico con el formato nombre@example.com.',
    );
    expect(fieldText(field({ field: 'capacity', code: 'too_big', origin: 'number', maximum: 20000 }))).toBe(
      'La capacidad debe ser 20.000 o menos.',
    );
    expect(describeProblem({ status: 503, code: 'request.timeout' })).toMatch(/^Fairdrop está muy ocupado/);
  });
});
