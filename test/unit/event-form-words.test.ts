import { describe, expect, it } from 'vitest';
import { LOCALES, resources } from '../../src/i18n/index.js';
import { pageNamespaces } from '../../src/http/page-namespaces.js';
import { categories } from '../../src/shared/vocabulary.js';

/**
 * The event form names each category through a dynamic key (`eventForm:category.${word}`): every
 * word of the API's vocabulary has a message in every language, and the console embeds them.
 */
describe('event form words', () => {
  it.each(LOCALES.map((l) => [l]))('%s: a name for every category', (locale) => {
    const names = ((resources[locale] as Record<string, { category?: Record<string, string> }>).eventForm ?? {})
      .category;
    expect(Object.keys(names ?? {}).sort()).toEqual([...categories].sort());
  });

  it('embeds the eventForm messages in the organizer console', async () => {
    expect(await pageNamespaces('web/src/pages/organizer.ts')).toContain('eventForm');
  });
});
