import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories } from '../../src/shared/vocabulary.js';
import { event, venue } from '../support/discovery.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { textOf, watchErrors } from './session.js';

/**
 * The discover page: its search lives in the address (reload, links and Back show the same
 * search, one history entry per search), its City list comes from the cities that have events,
 * its count is the total found, and fans filter on every category organizers tag.
 */

let env: TestEnv;
let browser: Browser;
const day = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * day);

beforeAll(async () => {
  env = await createTestEnv();
  browser = await launch();
  const db = env.infra.database.db;
  const o = (await signedIn(env, ['organizer'])).userId;
  const lisbon = await venue(db, o, {
    name: 'Alfama Hall',
    city: 'Lisbon',
    country: 'PT',
    timeZone: 'Europe/Lisbon',
    latitude: 38.712,
    longitude: -9.13,
  });
  const vienna = await venue(db, o, {
    name: 'Konzerthaus',
    city: 'Vienna',
    country: 'AT',
    timeZone: 'Europe/Vienna',
    latitude: 48.2,
    longitude: 16.38,
  });
  const berlin = await venue(db, o, { name: 'Tempodrom', latitude: 52.5, longitude: 13.38 });
  // 24 in Lisbon (8 of them festivals, 16 jazz), 3 in Vienna, 2 in Berlin: 29, more than a page.
  for (let i = 0; i < 24; i++)
    await event(db, o, lisbon.id, {
      title: i % 3 ? `Lisbon jazz night ${i}` : `Lisbon summer festival ${i}`,
      startsAt: at(1 + i),
      categories: i % 3 ? ['jazz'] : ['festival'],
    });
  for (let i = 0; i < 3; i++)
    await event(db, o, vienna.id, { title: `Vienna waltz ${i}`, startsAt: at(2 + i), categories: ['classical'] });
  for (let i = 0; i < 2; i++)
    await event(db, o, berlin.id, { title: `Berlin techno ${i}`, startsAt: at(3 + i), categories: ['electronic'] });
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const resultTitles = (page: Page) => page.locator('.event-card h3').allTextContents();
const settled = (page: Page) => page.waitForSelector('#search-status:not(.busy):not(:empty)');
const historyLength = (page: Page) => page.evaluate(() => history.length);

describe('the discover page', () => {
  it('lists the cities that have events and every category organizers can tag', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(env.api.baseUrl);
    await settled(page);
    const cities = await page.locator('#city option').allTextContents();
    expect(cities).toEqual(['Anywhere', 'Berlin', 'Lisbon', 'Vienna']);
    const offered = await page
      .locator('#category-options input')
      .evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
    expect(offered).toEqual([...categories]);
    // The count is what the search found, not the page it shows.
    expect(await textOf(page, '#search-status')).toBe('29 events · showing 20.');
    expect(await page.locator('.event-card').count()).toBe(20);
    await page.click('#more');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 29);
    expect(await textOf(page, '#search-status')).toBe('29 events.');
    await screenshots(page, 'discover-cities');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps the search in the address: typing adds no history, a search adds one; reload and Back work', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(env.api.baseUrl);
    await settled(page);
    const start = await historyLength(page);

    await page.fill('#q', 'festival');
    await page.type('#q', ' summer');
    expect(await historyLength(page)).toBe(start);
    await page.selectOption('#city', 'Lisbon');
    await page.click('#filters summary');
    await page.check('#category-options input[value="festival"]');
    await page.click('#filters button[type=submit]');
    await page.waitForURL((url) => url.searchParams.get('city') === 'Lisbon');
    await settled(page);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      q: 'festival summer',
      city: 'Lisbon',
      categories: 'festival',
    });
    expect(await historyLength(page)).toBe(start + 1);
    const festivals = await resultTitles(page);
    expect(festivals).toHaveLength(8);
    expect(festivals.every((t) => t.startsWith('Lisbon summer festival'))).toBe(true);
    expect(await textOf(page, '#search-status')).toBe('8 events.');

    // A reload shows the same search, the form filled as the address says.
    await page.reload();
    await settled(page);
    expect(await page.inputValue('#q')).toBe('festival summer');
    expect(await page.inputValue('#city')).toBe('Lisbon');
    expect(await page.isChecked('#category-options input[value="festival"]')).toBe(true);
    expect(await resultTitles(page)).toEqual(festivals);

    // A second search, then Back: the first search again; Back once more: the start.
    await page.fill('#q', '');
    await page.uncheck('#category-options input[value="festival"]');
    await page.selectOption('#city', 'Vienna');
    await page.selectOption('#sort', 'date');
    await page.click('#filters button[type=submit]');
    await page.waitForURL((u) => u.searchParams.get('city') === 'Vienna');
    await settled(page);
    expect(new URL(page.url()).search).toBe('?city=Vienna&sort=date');
    expect(await resultTitles(page)).toEqual(['Vienna waltz 0', 'Vienna waltz 1', 'Vienna waltz 2']);

    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('city') === 'Lisbon');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 8);
    expect(await page.inputValue('#q')).toBe('festival summer');
    expect(await page.inputValue('#sort')).toBe('relevance');
    expect(await resultTitles(page)).toEqual(festivals);

    await page.goBack();
    await page.waitForURL((u) => u.search === '');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 20);
    expect(await page.inputValue('#q')).toBe('');
    expect(await page.inputValue('#city')).toBe('');
    expect(new URL(page.url()).origin).toBe(env.api.baseUrl);

    await page.goForward();
    await page.waitForURL((u) => u.searchParams.get('city') === 'Lisbon');
    await page.waitForFunction(() => document.querySelectorAll('.event-card').length === 8);
    expect(errors).toEqual([]);
  });

  it('opens a shared link as its search, with a category fans could not pick before', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.api.baseUrl}/?categories=electronic&sort=date`);
    await settled(page);
    expect(await page.isChecked('#category-options input[value="electronic"]')).toBe(true);
    expect(await page.inputValue('#sort')).toBe('date');
    expect(await resultTitles(page)).toEqual(['Berlin techno 0', 'Berlin techno 1']);
    expect(await textOf(page, '#search-status')).toBe('2 events.');
  });

  it('says what to fix beside the field, once, in words', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.api.baseUrl}/?sort=distance`);
    await page.waitForSelector('#sort-error');
    expect(await textOf(page, '#sort-error')).toBe('Choose a place near you to sort by distance.');
    expect(await page.getAttribute('#sort', 'aria-invalid')).toBe('true');
    expect(await page.locator('details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    const main = await textOf(page, 'main');
    expect(main.split('Choose a place near you').length - 1).toBe(1);
    expect(main).not.toMatch(/Invalid|query\.|near=lat/);
    expect(await textOf(page, '#search-status')).toBe('Fix the highlighted field.');
    await screenshots(page, 'discover-field-error');
    expect(await seriousViolations(page)).toEqual([]);

    // Choosing a city fixes it: the message goes and the events come nearest first.
    await page.selectOption('#city', 'Lisbon');
    await page.click('#filters button[type=submit]');
    await page.waitForSelector('#sort-error', { state: 'detached' });
    await settled(page);
    expect((await resultTitles(page))[0]).toMatch(/^Lisbon/);
    expect(new URL(page.url()).search).toBe('?city=Lisbon&sort=distance');
  });
});
