import { afterAll, describe, expect, it } from 'vitest';
import { catalogue, type Locale } from '../../src/i18n/index.js';
import { useMessages } from '../../web/src/lib/i18n.js';
import { phaseLabel } from '../../web/src/lib/sale-phase.js';
import { salePhases } from '../../src/sales/phase.js';
import { durationWords, passCountdown } from '../../web/src/queue/views.js';

/**
 * The waiting room's countdowns and the sale's phase in each language: the units and their
 * plural forms come from the catalogues (Spanish has a third, "many"), never from English
 * glued together; every phase the server can decide has its words in every language.
 */
const use = (locale: Locale) =>
  useMessages(locale, catalogue(locale, ['common', 'queue', 'sale']) as Record<string, Record<string, unknown>>);
afterAll(() => use('en'));

const at = (h: number, m: number, s: number) => ((h * 60 + m) * 60 + s) * 1000;

const PHASES = salePhases;

describe('waiting room words', () => {
  it.each([
    ['en', '9 min 05 s', '1 h 2 min 00 s', 'Your pass expires in 9 min 05 s', 'Your pass expires now'],
    [
      'de',
      '9 Min. 05 Sek.',
      '1 Std. 2 Min. 00 Sek.',
      'Ihre Kaufberechtigung läuft in 9 Min. 05 Sek. ab',
      'Ihre Kaufberechtigung läuft jetzt ab',
    ],
    ['es', '9 min 05 s', '1 h 2 min 00 s', 'Tu pase de compra caduca en 9 min 05 s', 'Tu pase de compra caduca ahora'],
  ] as const)('%s: countdowns', (locale, short, long, pass, passed) => {
    use(locale);
    expect(durationWords(at(0, 9, 5), 0)).toBe(short);
    expect(durationWords(at(1, 2, 0), 0)).toBe(long);
    expect(durationWords(0, 1)).toBeNull();
    expect(passCountdown(at(0, 9, 5), 0)).toBe(pass);
    expect(passCountdown(0, 1)).toBe(passed);
  });

  it.each(['en', 'de', 'es'] as const)('%s: every sale phase has its own words', (locale) => {
    use(locale);
    const labels = PHASES.map(phaseLabel);
    for (const [i, label] of labels.entries()) expect(label, PHASES[i]).not.toMatch(/^sale:|^$/);
    expect(new Set(labels).size).toBe(PHASES.length);
  });
});
