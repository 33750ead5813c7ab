import type { Page } from 'playwright-core';

/** Signs the page in with an API session (the pages keep their bearer token in localStorage). */
export async function asUser(page: Page, token: string): Promise<void> {
  await page.addInitScript((t) => localStorage.setItem('fairdrop.session', t), token);
}

/** Page errors and console errors, except the refusals the pages handle and show (logged by Chromium as failed loads). */
export function watchErrors(page: Page, allowed: RegExp = /status of (400|403|404|409|422)/): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !allowed.test(m.text()) && errors.push(m.text()));
  return errors;
}

/** The result box's words, spaces collapsed. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
}

/** Opens the door scanner on an event and gate, as door staff does before the first scan. */
export async function openScannerStation(page: Page, baseUrl: string, eventId: string, gate: string): Promise<void> {
  await page.goto(`${baseUrl}/scanner.html?event=${eventId}`);
  await page.waitForSelector(`#event option[value="${eventId}"]`, { state: 'attached' });
  await page.fill('#gate', gate);
  await page.click('#setup-form button[type=submit]');
  await page.waitForSelector('#station:not([hidden])');
}
