import type { z } from 'zod';
import type {
  allowlistView,
  codeList,
  generatedCodes,
  redemptionList,
  WindowView,
} from '../../../src/presales/presales.schemas.js';
import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { viewerTime } from '../lib/zoned-time.js';

/**
 * The console's presales section (issue #19, part 3): the event's presale windows (add, delete),
 * and for the window chosen its codes (generate, import from CSV, revoke) and who redeemed
 * them, or its allow-list. Like the waitlist panel it places itself before the cancel/postpone
 * panel and follows the event the workspace selects there (`data-event-id`), so the console's
 * own files only import it.
 */

const GATES: Record<WindowView['gate'], string> = {
  code: 'Presale codes',
  allowlist: 'An allow-list',
  staff: 'The event’s staff only',
};
const MODES: Record<WindowView['mode'], string> = { queue: 'Waiting room and draw', open: 'Open to those let in' };
const STATUS: Record<WindowView['status'], string> = { upcoming: 'Upcoming', open: 'On now', closed: 'Ended' };

let panel: HTMLElement | null = null;
let shownFor = '';
let chosen = '';

const statusLine = (id: string) => h('p', { id, class: 'status', role: 'status', 'aria-live': 'polite' });
const failure = (err: unknown) => (err instanceof ApiError ? err.describe() : 'Network error; try again.');
/** The lines a refused import names (`line 3: …`), as people words from the API's field messages. */
const lineProblems = (err: unknown): string[] =>
  err instanceof ApiError ? (err.problem.errors ?? []).map((e) => e.message).filter((m) => /^line \d+/.test(m)) : [];

function labelled(id: string, label: string, input: HTMLElement): HTMLElement[] {
  input.id = id;
  return [h('label', { for: id }, label), input];
}

function windowsTable(eventId: string, windows: WindowView[]): HTMLElement {
  if (windows.length === 0) return h('p', { class: 'muted' }, 'No presale windows: everyone buys in the general sale.');
  return h(
    'table',
    { class: 'presale-table', id: 'presale-windows' },
    h('caption', {}, 'Presale windows, in time order (your local time)'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Name', 'Who may buy', 'How', 'Opens', 'Closes', 'State', ''].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...windows.map((w) => {
        const manage = h(
          'button',
          { type: 'button', class: 'secondary small' },
          w.gate === 'staff' ? 'Details' : 'Manage',
        );
        manage.addEventListener('click', () => {
          chosen = w.id;
          void load(eventId);
        });
        const remove = h('button', { type: 'button', class: 'secondary small' }, 'Delete');
        remove.setAttribute('aria-label', `Delete ${w.name}`);
        remove.addEventListener('click', async () => {
          if (!confirm(`Delete the presale “${w.name}” with its codes and list?`)) return;
          try {
            await api('DELETE', `/v1/presales/${w.id}`);
            if (chosen === w.id) chosen = '';
            await load(eventId);
          } catch (err) {
            setStatus(document.getElementById('presale-status')!, 'bad', failure(err));
          }
        });
        return h(
          'tr',
          {},
          h('td', {}, w.name),
          h('td', {}, GATES[w.gate]),
          h('td', {}, MODES[w.mode]),
          h('td', {}, viewerTime(w.opensAt)),
          h('td', {}, viewerTime(w.closesAt)),
          h('td', {}, STATUS[w.status]),
          h('td', {}, manage, ' ', remove),
        );
      }),
    ),
  );
}

function addForm(eventId: string): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: '80' });
  const gate = h(
    'select',
    { name: 'gate' },
    ...Object.entries(GATES).map(([value, words]) => h('option', { value }, words)),
  );
  const mode = h(
    'select',
    { name: 'mode' },
    h('option', { value: '' }, 'As the general sale'),
    ...Object.entries(MODES).map(([value, words]) => h('option', { value }, words)),
  );
  const opens = h('input', { name: 'opensAt', type: 'datetime-local', required: true });
  const closes = h('input', { name: 'closesAt', type: 'datetime-local', required: true });
  const status = statusLine('presale-add-status');
  const form = h(
    'form',
    { id: 'presale-add' },
    h('h4', {}, 'Add a presale window'),
    ...labelled('presale-name', 'Name (fans see it)', name),
    ...labelled('presale-gate', 'Who may buy', gate),
    ...labelled('presale-mode', 'How they buy', mode),
    ...labelled('presale-opens', 'Opens (your local time)', opens),
    ...labelled('presale-closes', 'Closes (by the general sale’s start)', closes),
    h('button', { type: 'submit' }, 'Add the window'),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(status, 'busy', 'Adding…');
    try {
      const made = await api<WindowView>('POST', `/v1/events/${eventId}/presales`, {
        name: name.value,
        gate: gate.value,
        ...(mode.value ? { mode: mode.value } : {}),
        opensAt: new Date(opens.value).toISOString(),
        closesAt: new Date(closes.value).toISOString(),
      });
      chosen = made.id;
      await load(eventId);
    } catch (err) {
      setStatus(status, 'bad', failure(err));
    }
  });
  return form;
}

/** A datetime-local value for an instant, in the viewer's zone. */
function localValue(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function editForm(eventId: string, w: WindowView): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: '80' });
  name.value = w.name;
  const opens = h('input', { name: 'opensAt', type: 'datetime-local', required: true });
  opens.value = localValue(w.opensAt);
  const closes = h('input', { name: 'closesAt', type: 'datetime-local', required: true });
  closes.value = localValue(w.closesAt);
  const status = statusLine('presale-edit-status');
  const form = h(
    'form',
    { id: 'presale-edit' },
    h('h4', {}, 'Change this window'),
    ...labelled('presale-edit-name', 'Name', name),
    ...labelled('presale-edit-opens', 'Opens (your local time)', opens),
    ...labelled('presale-edit-closes', 'Closes', closes),
    h('button', { type: 'submit' }, 'Save the window'),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(status, 'busy', 'Saving…');
    try {
      await api('PATCH', `/v1/presales/${w.id}`, {
        name: name.value,
        opensAt: new Date(opens.value).toISOString(),
        closesAt: new Date(closes.value).toISOString(),
      });
      await load(eventId);
      const line = document.getElementById('presale-edit-status');
      if (line) setStatus(line, 'ok', 'Saved.');
    } catch (err) {
      setStatus(status, 'bad', failure(err));
    }
  });
  return form;
}

async function codesPart(eventId: string, w: WindowView): Promise<HTMLElement[]> {
  const [codes, redeemed] = await Promise.all([
    api<z.input<typeof codeList>>('GET', `/v1/presales/${w.id}/codes`),
    api<z.input<typeof redemptionList>>('GET', `/v1/presales/${w.id}/redemptions`),
  ]);
  const count = h('input', { name: 'count', type: 'number', min: '1', max: '1000', value: '10', inputmode: 'numeric' });
  const uses = h('input', { name: 'maxUses', type: 'number', min: '1', value: '1', inputmode: 'numeric' });
  const genStatus = statusLine('presale-generate-status');
  const shown = h('div', { id: 'presale-new-codes' });
  const generate = h(
    'form',
    { id: 'presale-generate' },
    h('h4', {}, 'Generate codes'),
    ...labelled('presale-count', 'How many codes', count),
    ...labelled('presale-uses', 'Accounts per code (1: single-use)', uses),
    h('button', { type: 'submit' }, 'Generate'),
    genStatus,
    shown,
  );
  generate.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(genStatus, 'busy', 'Generating…');
    try {
      const made = await api<z.input<typeof generatedCodes>>('POST', `/v1/presales/${w.id}/codes`, {
        count: Number(count.value),
        maxUses: Number(uses.value),
      });
      await load(eventId);
      const again = document.getElementById('presale-new-codes');
      again?.replaceChildren(
        h('p', { class: 'status ok' }, `${made.codes.length} new codes. They are shown this once: copy them now.`),
        h('ul', { class: 'codes' }, ...made.codes.map((c) => h('li', {}, h('code', {}, c)))),
      );
    } catch (err) {
      setStatus(genStatus, 'bad', failure(err));
    }
  });

  const csv = h('textarea', { name: 'csv', rows: '4' });
  const file = h('input', { type: 'file', accept: '.csv,text/csv,text/plain' });
  const impStatus = statusLine('presale-import-status');
  const impLines = h('ul', { id: 'presale-import-lines', class: 'field-errors' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) csv.value = await f.text();
  });
  const importForm = h(
    'form',
    { id: 'presale-import' },
    h('h4', {}, 'Import codes'),
    h(
      'p',
      { class: 'hint' },
      'One code per line, optionally with how many accounts may use it: CODE,3. Nothing is imported unless every line is good.',
    ),
    ...labelled('presale-csv-file', 'A CSV file', file),
    ...labelled('presale-csv', 'Or paste the lines', csv),
    h('button', { type: 'submit' }, 'Import'),
    impStatus,
    impLines,
  );
  importForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(impStatus, 'busy', 'Importing…');
    impLines.replaceChildren();
    try {
      const done = await api<{ imported: number }>('POST', `/v1/presales/${w.id}/codes/import`, { csv: csv.value });
      await load(eventId);
      const line = document.getElementById('presale-import-status');
      if (line) setStatus(line, 'ok', `${done.imported} codes imported.`);
    } catch (err) {
      setStatus(impStatus, 'bad', failure(err));
      impLines.replaceChildren(...lineProblems(err).map((m) => h('li', {}, m.replace(/^line/, 'Line'))));
    }
  });

  const codeRows = codes.codes.map((c) => {
    const revoke = h('button', { type: 'button', class: 'secondary small' }, 'Revoke');
    revoke.setAttribute('aria-label', `Revoke the code ending ${c.hint}`);
    revoke.addEventListener('click', async () => {
      try {
        await api('POST', `/v1/presales/${w.id}/codes/${c.id}/revoke`);
        await load(eventId);
      } catch (err) {
        setStatus(document.getElementById('presale-status')!, 'bad', failure(err));
      }
    });
    return h(
      'tr',
      {},
      h('td', {}, `…${c.hint}`),
      h('td', {}, `${c.uses} of ${c.maxUses}`),
      h('td', {}, c.source === 'imported' ? 'Imported' : 'Generated'),
      h('td', {}, c.revokedAt ? `Revoked ${viewerTime(c.revokedAt)}` : 'Valid'),
      h('td', {}, c.revokedAt ? '' : revoke),
    );
  });
  const codesTable =
    codeRows.length === 0
      ? h('p', { class: 'muted' }, 'No codes yet.')
      : h(
          'table',
          { class: 'presale-table', id: 'presale-codes' },
          h('caption', {}, `Codes of “${w.name}” (only their last characters are kept in view)`),
          h(
            'thead',
            {},
            h('tr', {}, ...['Code', 'Used', 'From', 'State', ''].map((t) => h('th', { scope: 'col' }, t))),
          ),
          h('tbody', {}, ...codeRows),
        );
  const redTable =
    redeemed.redemptions.length === 0
      ? h('p', { class: 'muted', id: 'presale-redemptions' }, 'Nobody has used a code yet.')
      : h(
          'table',
          { class: 'presale-table', id: 'presale-redemptions' },
          h('caption', {}, 'Who used a code, and what they did in the window'),
          h(
            'thead',
            {},
            h('tr', {}, ...['Fan', 'When', 'Code', 'Holds', 'Orders'].map((t) => h('th', { scope: 'col' }, t))),
          ),
          h(
            'tbody',
            {},
            ...redeemed.redemptions.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, r.email),
                h('td', {}, viewerTime(r.redeemedAt)),
                h('td', {}, `…${r.hint}${r.revoked ? ' (revoked)' : ''}`),
                h('td', {}, String(r.holds)),
                h('td', {}, String(r.orders)),
              ),
            ),
          ),
        );
  return [generate, importForm, codesTable, h('h4', {}, 'Redemptions'), redTable];
}

async function allowlistPart(eventId: string, w: WindowView): Promise<HTMLElement[]> {
  const list = await api<z.input<typeof allowlistView>>('GET', `/v1/presales/${w.id}/allowlist`);
  const entries = h('textarea', { name: 'entries', rows: '6' });
  entries.value = list.entries.map((e) => e.email ?? e.userId ?? '').join('\n');
  const status = statusLine('presale-allowlist-status');
  const form = h(
    'form',
    { id: 'presale-allowlist' },
    ...labelled('presale-entries', 'Email addresses or account ids, one per line', entries),
    h('button', { type: 'submit' }, 'Save the list'),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const lines = entries.value
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const saved = await api<z.input<typeof allowlistView>>('PUT', `/v1/presales/${w.id}/allowlist`, {
        entries: lines,
      });
      setStatus(status, 'ok', `${saved.entries.length} on the list.`);
    } catch (err) {
      const lines = err instanceof ApiError ? (err.problem.errors ?? []) : [];
      const which = lines.map((e) => Number(e.field.split('.')[1]) + 1).filter((n) => n > 0);
      setStatus(status, 'bad', `${failure(err)}${which.length ? ` Lines: ${which.join(', ')}.` : ''}`);
    }
  });
  void eventId;
  return [h('h4', {}, 'Allow-list'), form];
}

async function load(eventId: string): Promise<void> {
  const target = panel!;
  const title = h('h3', { id: 'presale-panel-title' }, 'Presales');
  const status = statusLine('presale-status');
  try {
    const { windows } = await api<{ windows: WindowView[] }>('GET', `/v1/organizer/events/${eventId}/presales`);
    if (eventId !== shownFor) return;
    const w = windows.find((x) => x.id === chosen);
    const details: HTMLElement[] = [];
    if (w) {
      details.push(h('h4', { id: 'presale-chosen' }, `“${w.name}”`), editForm(eventId, w));
      if (w.gate === 'code') details.push(...(await codesPart(eventId, w)));
      else if (w.gate === 'allowlist') details.push(...(await allowlistPart(eventId, w)));
      else details.push(h('p', {}, 'The event’s organizer and door staff may buy in this window; nobody else.'));
    }
    target.replaceChildren(
      title,
      h(
        'p',
        { class: 'hint' },
        'Presales come before the general sale. In each window only the fans its gate lets through may buy; the ticket limit per account counts every window and the general sale together.',
      ),
      windowsTable(eventId, windows),
      status,
      ...details,
      addForm(eventId),
    );
  } catch (err) {
    target.replaceChildren(title, status);
    setStatus(status, 'bad', failure(err));
  }
}

function follow(source: HTMLElement): void {
  const id = source.dataset.eventId ?? '';
  if (!panel) {
    panel = h('section', { id: 'presale-panel', 'aria-labelledby': 'presale-panel-title' });
    source.before(panel);
  }
  panel.hidden = id === '';
  if (id === shownFor) return;
  shownFor = id;
  chosen = '';
  if (id) void load(id);
}

const source = document.getElementById('cancel-panel');
if (source) {
  follow(source);
  new MutationObserver(() => follow(source)).observe(source, { attributes: true, attributeFilter: ['data-event-id'] });
}
