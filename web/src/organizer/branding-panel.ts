import type { BrandingView, PictureView } from '../../../src/media/media.schemas.js';
import { api, ApiError, problemFrom, session } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { pictureElement } from '../lib/pictures.js';
import { describeProblem } from '../lib/words.js';

/**
 * The console's image and branding section (issue #21): the event's picture and the waiting
 * room's logo (each with the words that describe it, required), the waiting room's accent
 * colour and its message in English, German and Spanish, each with a preview. It places itself
 * before the cancel/postpone panel and follows the event the workspace selects there
 * (`data-event-id`), so the console's own files only import it.
 */

/** As the server's limit (src/media/images.ts): a larger file is refused before it is sent. */
const MAX_BYTES = 8 * 1_048_576;
/** The waiting room's message in each language, with its field's label. */
const LANGUAGES = [
  ['en', () => t('eventForm:branding.message.en')],
  ['de', () => t('eventForm:branding.message.de')],
  ['es', () => t('eventForm:branding.message.es')],
] as const;
/** An API refusal in the page's words, else the network failed. */
const failure = (err: unknown) => (err instanceof ApiError ? err.describe() : t('eventForm:branding.network'));
const SITE_ACCENT = '#0b5cad';

let panel: HTMLElement | null = null;
let shownFor = '';

function statusLine(id: string): HTMLElement {
  return h('p', { id, class: 'status', role: 'status', 'aria-live': 'polite' });
}

/** Sends the file's bytes as they are; the server judges them by their content, not their name. */
async function uploadPicture(eventId: string, slot: 'image' | 'logo', file: File, alt: string): Promise<PictureView> {
  const token = session.token();
  const res = await fetch(`/v1/events/${eventId}/media/${slot}?alt=${encodeURIComponent(alt)}`, {
    method: 'PUT',
    headers: {
      'content-type': file.type || 'application/octet-stream',
      'idempotency-key': crypto.randomUUID(),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: file,
  });
  if (!res.ok) throw new ApiError(await problemFrom(res));
  return (await res.json()) as PictureView;
}

function pictureForm(eventId: string, slot: 'image' | 'logo', current: PictureView | null): HTMLElement {
  const words =
    slot === 'image'
      ? {
          what: t('eventForm:branding.image.what'),
          choose: t('eventForm:branding.image.choose'),
          hint: t('eventForm:branding.image.hint'),
          saved: t('eventForm:branding.image.saved'),
          removed: t('eventForm:branding.image.removed'),
        }
      : {
          what: t('eventForm:branding.logo.what'),
          choose: t('eventForm:branding.logo.choose'),
          hint: t('eventForm:branding.logo.hint'),
          saved: t('eventForm:branding.logo.saved'),
          removed: t('eventForm:branding.logo.removed'),
        };
  const id = (name: string) => `${slot}-${name}`;
  const preview = h('div', { id: id('preview'), class: `media-preview media-preview-${slot}` });
  const showCurrent = (picture: PictureView | null) =>
    preview.replaceChildren(
      picture
        ? pictureElement(picture, slot === 'image' ? 'card' : 'logo')
        : h('p', { class: 'muted' }, t('eventForm:branding.none')),
    );
  showCurrent(current);
  const file = h('input', {
    id: id('file'),
    type: 'file',
    accept: 'image/jpeg,image/png,image/webp',
    'aria-describedby': id('hint'),
  });
  const alt = h('input', {
    id: id('alt'),
    type: 'text',
    maxlength: '250',
    required: true,
    value: current?.alt ?? '',
  });
  const status = statusLine(id('status'));
  const remove = h(
    'button',
    { type: 'button', class: 'secondary', id: id('remove'), hidden: !current },
    t('eventForm:branding.remove'),
  );
  const save = h(
    'button',
    { type: 'submit', id: id('save') },
    current ? t('eventForm:branding.replace') : t('eventForm:branding.upload'),
  );
  let local: string | null = null;
  file.addEventListener('change', () => {
    if (local) URL.revokeObjectURL(local);
    local = null;
    const chosen = file.files?.[0];
    if (!chosen) return showCurrent(current);
    local = URL.createObjectURL(chosen);
    preview.replaceChildren(
      h('img', { src: local, alt: alt.value || t('eventForm:branding.chosenAlt'), class: 'local' }),
    );
  });
  const form = h(
    'form',
    { class: 'media-form', id: id('form'), novalidate: true },
    h('h4', {}, words.what),
    preview,
    h('label', { for: id('file') }, words.choose),
    file,
    h('p', { id: id('hint'), class: 'hint' }, words.hint),
    h('label', { for: id('alt') }, t('eventForm:branding.alt')),
    alt,
    h('p', {}, save, ' ', remove),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = file.files?.[0];
    const described = alt.value.trim();
    if (!described) return setStatus(status, 'bad', t('eventForm:branding.altMissing'));
    if (!chosen && current) {
      // Only the words changed.
      setStatus(status, 'busy', t('eventForm:branding.saving'));
      void api<PictureView>('PATCH', `/v1/events/${eventId}/media/${slot}`, { alt: described })
        .then((saved) => {
          current = saved;
          showCurrent(saved);
          setStatus(status, 'ok', t('eventForm:branding.saved'));
        })
        .catch((err: unknown) => setStatus(status, 'bad', failure(err)));
      return;
    }
    if (!chosen) return setStatus(status, 'bad', t('eventForm:branding.fileMissing'));
    if (chosen.size > MAX_BYTES)
      return setStatus(status, 'bad', describeProblem({ status: 413, code: 'request.too_large', maxBytes: MAX_BYTES }));
    setStatus(status, 'busy', t('eventForm:branding.uploading'));
    void uploadPicture(eventId, slot, chosen, described)
      .then((saved) => {
        current = saved;
        file.value = '';
        showCurrent(saved);
        remove.hidden = false;
        save.textContent = t('eventForm:branding.replace');
        setStatus(status, 'ok', words.saved);
      })
      .catch((err: unknown) => {
        showCurrent(current);
        setStatus(status, 'bad', failure(err));
      });
  });
  remove.addEventListener('click', () => {
    setStatus(status, 'busy', t('eventForm:branding.removing'));
    void api('DELETE', `/v1/events/${eventId}/media/${slot}`)
      .then(() => {
        current = null;
        alt.value = '';
        showCurrent(null);
        remove.hidden = true;
        save.textContent = t('eventForm:branding.upload');
        setStatus(status, 'ok', words.removed);
      })
      .catch((err: unknown) => setStatus(status, 'bad', failure(err)));
  });
  return form;
}

function brandingForm(eventId: string, branding: BrandingView): HTMLElement {
  const accent = h('input', { id: 'brand-accent', type: 'color', value: branding.accent ?? SITE_ACCENT });
  const useAccent = h('input', { id: 'brand-accent-on', type: 'checkbox', checked: branding.accent !== null });
  const sample = h(
    'button',
    { type: 'button', class: 'brand-sample', tabindex: '-1', 'aria-hidden': 'true' },
    t('eventForm:branding.sampleJoin'),
  );
  const sampleMessage = h('p', { class: 'brand-sample-message' });
  const messages = LANGUAGES.map(([lang, label]) =>
    h('textarea', {
      id: `brand-message-${lang}`,
      name: lang,
      lang,
      maxlength: '500',
      rows: '3',
      'aria-label': label(),
    }),
  );
  messages.forEach((m, i) => (m.value = branding.messages[LANGUAGES[i]![0]] ?? ''));
  const preview = h(
    'div',
    { class: 'brand-preview', id: 'brand-preview' },
    h('p', { class: 'hint' }, t('eventForm:branding.preview')),
    sampleMessage,
    sample,
  );
  const update = () => {
    preview.style.setProperty('--brand', useAccent.checked ? accent.value : SITE_ACCENT);
    // Text, never HTML: the waiting room shows the message exactly as typed.
    sampleMessage.textContent = messages[0]!.value || t('eventForm:branding.samplePlaceholder');
  };
  for (const input of [accent, useAccent, ...messages]) input.addEventListener('input', update);
  update();
  const status = statusLine('brand-status');
  const form = h(
    'form',
    { class: 'media-form', id: 'brand-form', novalidate: true },
    h('h4', {}, t('eventForm:branding.colourTitle')),
    h('label', { class: 'check' }, useAccent, ' ', t('eventForm:branding.useAccent')),
    h('label', { for: 'brand-accent' }, t('eventForm:branding.colour')),
    accent,
    h('p', { class: 'hint' }, t('eventForm:branding.contrast')),
    ...LANGUAGES.flatMap(([lang, label], i) => [h('label', { for: `brand-message-${lang}` }, label()), messages[i]!]),
    h('p', { class: 'hint' }, t('eventForm:branding.messageHint')),
    preview,
    h('p', {}, h('button', { type: 'submit', id: 'brand-save' }, t('eventForm:branding.save'))),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setStatus(status, 'busy', t('eventForm:branding.saving'));
    const body = {
      accent: useAccent.checked ? accent.value : null,
      messages: Object.fromEntries(LANGUAGES.map(([lang], i) => [lang, messages[i]!.value])),
    };
    void api<BrandingView>('PUT', `/v1/events/${eventId}/branding`, body)
      .then(() => setStatus(status, 'ok', t('eventForm:branding.savedLive')))
      .catch((err: unknown) => setStatus(status, 'bad', failure(err)));
  });
  return form;
}

async function load(target: HTMLElement, eventId: string): Promise<void> {
  const title = h('h3', { id: 'branding-panel-title' }, t('eventForm:branding.title'));
  const status = statusLine('branding-load-status');
  target.replaceChildren(title, status);
  setStatus(status, 'busy', t('eventForm:branding.loading'));
  try {
    const branding = await api<BrandingView>('GET', `/v1/events/${eventId}/branding`);
    if (eventId !== shownFor) return;
    target.replaceChildren(
      title,
      pictureForm(eventId, 'image', branding.image),
      pictureForm(eventId, 'logo', branding.logo),
      brandingForm(eventId, branding),
    );
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('eventForm:branding.loadFailed'));
  }
}

function follow(source: HTMLElement): void {
  const id = source.dataset.eventId ?? '';
  if (!panel) {
    panel = h('section', { id: 'branding-panel', class: 'branding-panel', 'aria-labelledby': 'branding-panel-title' });
    source.before(panel);
  }
  panel.hidden = id === '';
  if (id === shownFor) return;
  shownFor = id;
  if (id) void load(panel, id);
}

const source = document.getElementById('cancel-panel');
if (source) {
  follow(source);
  new MutationObserver(() => follow(source)).observe(source, { attributes: true, attributeFilter: ['data-event-id'] });
}
