import type { BrandingView } from '../../../src/media/media.schemas.js';
import { api } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { locale } from '../lib/i18n.js';
import { showPicture } from '../lib/pictures.js';

/**
 * The organizer's branding of the waiting room: their logo, their message in the page's
 * language (lib/i18n.ts; the server falls back to English when they wrote none in it) and their accent colour on the page's buttons
 * and links. The server checked the colour's contrast; the message is set as text, never HTML.
 * Loaded once: branding does not change during a drop.
 */

export async function showBranding(eventId: string): Promise<void> {
  let branding: BrandingView;
  try {
    branding = await api<BrandingView>('GET', `/v1/events/${encodeURIComponent(eventId)}/branding?lang=${locale}`);
  } catch {
    // Without its branding the waiting room still works: the site's own look.
    return;
  }
  const section = $('#branding');
  if (branding.accent) $('main').style.setProperty('--brand', branding.accent);
  showPicture($('#brand-logo'), branding.logo, 'logo', { eager: true });
  const message = $('#brand-message');
  message.hidden = !branding.message;
  message.textContent = branding.message?.text ?? '';
  if (branding.message) message.lang = branding.message.lang;
  section.hidden = !branding.logo && !branding.message;
}
