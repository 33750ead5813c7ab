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
import { locale, number, t } from '../lib/i18n.js';
import { viewerTime } from '../lib/zoned-time.js';

/**
 * The console's presales section (issue #19, part 3): the event's presale windows (add, delete),
 * and for the window chosen its codes (generate, import from CSV, revoke) and who redeemed
 * them, or its allow-list. Like the waitlist panel it places itself before the cancel/postpone
 * panel and follows the event the workspace selects there (`data-event-id`), so the console's
 * own files only import it.
 */

const GATES: Record<WindowView['gate'], () => string> = {
  code: () => t('organizer:presale.gate.code'),
  allowlist: () => t('organizer:presale.gate.allowlist'),
  staff: () => t('organizer:presale.gate.staff'),
};
const MODES: Record<WindowView['mode'], () => string> = {
  queue: () => t('organizer:presale.mode.queue'),
  open: () => t('organizer:presale.mode.open'),
};
const STATUS: Record<WindowView['status'], () => string> = {
  upcoming: () => t('organizer:presale.status.upcoming'),
  open: () => t('organizer:presale.status.open'),
  closed: () => t('organizer:presale.status.closed'),
};
/** A time in the organizer's own zone, in the page's language. */
const when = (iso: string) => viewerTime(iso, { locale });

let panel: HTMLElement | null = null;
let shownFor = '';
let chosen = '';

const statusLine = (id: string) => h('p', { id, class: 'status', role: 'status', 'aria-live': 'polite' });
const failure = (err: unknown) => (err instanceof ApiError ? err.describe() : t('organizer:presale.network'));
/** The lines a refused import names (`line 3: …`), as people words from the API's field messages. */
const lineProblems = (err: unknown): string[] =>
  err instanceof ApiError ? (err.problem.errors ?? []).map((e) => e.message).filter((m) => /^line \d+/.test(m)) : [];

function labelled(id: string, label: string, input: HTMLElement): HTMLElement[] {
  input.id = id;
  return [h('label', { for: id }, label), input];
}

function windowsTable(eventId: string, windows: WindowView[]): HTMLElement {
  if (windows.length === 0) return h('p', { class: 'muted' }, t('organizer:presale.none'));
  return h(
    'table',
    { class: 'presale-table', id: 'presale-windows' },
    h('caption', {}, t('organizer:presale.caption')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          t('organizer:presale.col.name'),
          t('organizer:presale.col.who'),
          t('organizer:presale.col.how'),
          t('organizer:presale.col.opens'),
          t('organizer:presale.col.closes'),
          t('organizer:presale.col.state'),
          '',
        ].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    h(
      'tbody',
      {},
      ...windows.map((w) => {
        const manage = h(
          'button',
          { type: 'button', class: 'secondary small' },
          w.gate === 'staff' ? t('organizer:presale.details') : t('organizer:presale.manage'),
        );
        manage.addEventListener('click', () => {
          chosen = w.id;
          void load(eventId);
        });
        const remove = h('button', { type: 'button', class: 'secondary small' }, t('organizer:presale.delete'));
        remove.setAttribute('aria-label', t('organizer:presale.deleteLabel', { name: w.name }));
        remove.addEventListener('click', async () => {
          if (!confirm(t('organizer:presale.deleteConfirm', { name: w.name }))) return;
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
          h('td', {}, GATES[w.gate]()),
          h('td', {}, MODES[w.mode]()),
          h('td', {}, when(w.opensAt)),
          h('td', {}, when(w.closesAt)),
          h('td', {}, STATUS[w.status]()),
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
    ...Object.entries(GATES).map(([value, words]) => h('option', { value }, words())),
  );
  const mode = h(
    'select',
    { name: 'mode' },
    h('option', { value: '' }, t('organizer:presale.modeDefault')),
    ...Object.entries(MODES).map(([value, words]) => h('option', { value }, words())),
  );
  const opens = h('input', { name: 'opensAt', type: 'datetime-local', required: true });
  const closes = h('input', { name: 'closesAt', type: 'datetime-local', required: true });
  const status = statusLine('presale-add-status');
  const form = h(
    'form',
    { id: 'presale-add' },
    h('h4', {}, t('organizer:presale.add.title')),
    ...labelled('presale-name', t('organizer:presale.add.name'), name),
    ...labelled('presale-gate', t('organizer:presale.add.gate'), gate),
    ...labelled('presale-mode', t('organizer:presale.add.mode'), mode),
    ...labelled('presale-opens', t('organizer:presale.add.opens'), opens),
    ...labelled('presale-closes', t('organizer:presale.add.closes'), closes),
    h('button', { type: 'submit' }, t('organizer:presale.add.submit')),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(status, 'busy', t('organizer:presale.add.busy'));
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
    h('h4', {}, t('organizer:presale.edit.title')),
    ...labelled('presale-edit-name', t('organizer:presale.edit.name'), name),
    ...labelled('presale-edit-opens', t('organizer:presale.edit.opens'), opens),
    ...labelled('presale-edit-closes', t('organizer:presale.edit.closes'), closes),
    h('button', { type: 'submit' }, t('organizer:presale.edit.submit')),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(status, 'busy', t('organizer:presale.edit.busy'));
    try {
      await api('PATCH', `/v1/presales/${w.id}`, {
        name: name.value,
        opensAt: new Date(opens.value).toISOString(),
        closesAt: new Date(closes.value).toISOString(),
      });
      await load(eventId);
      const line = document.getElementById('presale-edit-status');
      if (line) setStatus(line, 'ok', t('organizer:presale.edit.saved'));
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
    h('h4', {}, t('organizer:presale.generate.title')),
    ...labelled('presale-count', t('organizer:presale.generate.count'), count),
    ...labelled('presale-uses', t('organizer:presale.generate.uses'), uses),
    h('button', { type: 'submit' }, t('organizer:presale.generate.submit')),
    genStatus,
    shown,
  );
  generate.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(genStatus, 'busy', t('organizer:presale.generate.busy'));
    try {
      const made = await api<z.input<typeof generatedCodes>>('POST', `/v1/presales/${w.id}/codes`, {
        count: Number(count.value),
        maxUses: Number(uses.value),
      });
      await load(eventId);
      const again = document.getElementById('presale-new-codes');
      again?.replaceChildren(
        h(
          'p',
          { class: 'status ok' },
          t('organizer:presale.generate.done', { count: made.codes.length, n: number(made.codes.length) }),
        ),
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
    h('h4', {}, t('organizer:presale.import.title')),
    h('p', { class: 'hint' }, t('organizer:presale.import.hint')),
    ...labelled('presale-csv-file', t('organizer:presale.import.file'), file),
    ...labelled('presale-csv', t('organizer:presale.import.paste'), csv),
    h('button', { type: 'submit' }, t('organizer:presale.import.submit')),
    impStatus,
    impLines,
  );
  importForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setStatus(impStatus, 'busy', t('organizer:presale.import.busy'));
    impLines.replaceChildren();
    try {
      const done = await api<{ imported: number }>('POST', `/v1/presales/${w.id}/codes/import`, { csv: csv.value });
      await load(eventId);
      const line = document.getElementById('presale-import-status');
      if (line)
        setStatus(line, 'ok', t('organizer:presale.import.done', { count: done.imported, n: number(done.imported) }));
    } catch (err) {
      setStatus(impStatus, 'bad', failure(err));
      impLines.replaceChildren(...lineProblems(err).map((m) => h('li', {}, m.replace(/^line/, 'Line'))));
    }
  });

  const codeRows = codes.codes.map((c) => {
    const revoke = h('button', { type: 'button', class: 'secondary small' }, t('organizer:presale.codes.revoke'));
    revoke.setAttribute('aria-label', t('organizer:presale.codes.revokeLabel', { hint: c.hint }));
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
      h('td', {}, t('organizer:presale.codes.uses', { uses: number(c.uses), max: number(c.maxUses) })),
      h(
        'td',
        {},
        c.source === 'imported' ? t('organizer:presale.codes.imported') : t('organizer:presale.codes.generated'),
      ),
      h(
        'td',
        {},
        c.revokedAt
          ? t('organizer:presale.codes.revoked', { at: when(c.revokedAt) })
          : t('organizer:presale.codes.valid'),
      ),
      h('td', {}, c.revokedAt ? '' : revoke),
    );
  });
  const codesTable =
    codeRows.length === 0
      ? h('p', { class: 'muted' }, t('organizer:presale.codes.none'))
      : h(
          'table',
          { class: 'presale-table', id: 'presale-codes' },
          h('caption', {}, t('organizer:presale.codes.caption', { name: w.name })),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                t('organizer:presale.codes.col.code'),
                t('organizer:presale.codes.col.used'),
                t('organizer:presale.codes.col.from'),
                t('organizer:presale.codes.col.state'),
                '',
              ].map((text) => h('th', { scope: 'col' }, text)),
            ),
          ),
          h('tbody', {}, ...codeRows),
        );
  const redTable =
    redeemed.redemptions.length === 0
      ? h('p', { class: 'muted', id: 'presale-redemptions' }, t('organizer:presale.redemptions.none'))
      : h(
          'table',
          { class: 'presale-table', id: 'presale-redemptions' },
          h('caption', {}, t('organizer:presale.redemptions.caption')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                t('organizer:presale.redemptions.col.fan'),
                t('organizer:presale.redemptions.col.when'),
                t('organizer:presale.redemptions.col.code'),
                t('organizer:presale.redemptions.col.holds'),
                t('organizer:presale.redemptions.col.orders'),
              ].map((text) => h('th', { scope: 'col' }, text)),
            ),
          ),
          h(
            'tbody',
            {},
            ...redeemed.redemptions.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, r.email),
                h('td', {}, when(r.redeemedAt)),
                h(
                  'td',
                  {},
                  r.revoked ? t('organizer:presale.redemptions.revokedCode', { hint: r.hint }) : `…${r.hint}`,
                ),
                h('td', {}, number(r.holds)),
                h('td', {}, number(r.orders)),
              ),
            ),
          ),
        );
  return [generate, importForm, codesTable, h('h4', {}, t('organizer:presale.redemptions.title')), redTable];
}

async function allowlistPart(eventId: string, w: WindowView): Promise<HTMLElement[]> {
  const list = await api<z.input<typeof allowlistView>>('GET', `/v1/presales/${w.id}/allowlist`);
  const entries = h('textarea', { name: 'entries', rows: '6' });
  entries.value = list.entries.map((e) => e.email ?? e.userId ?? '').join('\n');
  const status = statusLine('presale-allowlist-status');
  const form = h(
    'form',
    { id: 'presale-allowlist' },
    ...labelled('presale-entries', t('organizer:presale.allowlist.entries'), entries),
    h('button', { type: 'submit' }, t('organizer:presale.allowlist.submit')),
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
      setStatus(
        status,
        'ok',
        t('organizer:presale.allowlist.saved', { count: saved.entries.length, n: number(saved.entries.length) }),
      );
    } catch (err) {
      const lines = err instanceof ApiError ? (err.problem.errors ?? []) : [];
      const which = lines.map((e) => Number(e.field.split('.')[1]) + 1).filter((n) => n > 0);
      setStatus(
        status,
        'bad',
        which.length
          ? t('organizer:presale.allowlist.badLines', { reason: failure(err), lines: which.join(', ') })
          : failure(err),
      );
    }
  });
  void eventId;
  return [h('h4', {}, t('organizer:presale.allowlist.title')), form];
}

async function load(eventId: string): Promise<void> {
  const target = panel!;
  const title = h('h3', { id: 'presale-panel-title' }, t('organizer:presale.title'));
  const status = statusLine('presale-status');
  try {
    const { windows } = await api<{ windows: WindowView[] }>('GET', `/v1/organizer/events/${eventId}/presales`);
    if (eventId !== shownFor) return;
    const w = windows.find((x) => x.id === chosen);
    const details: HTMLElement[] = [];
    if (w) {
      details.push(
        h('h4', { id: 'presale-chosen' }, t('organizer:presale.chosen', { name: w.name })),
        editForm(eventId, w),
      );
      if (w.gate === 'code') details.push(...(await codesPart(eventId, w)));
      else if (w.gate === 'allowlist') details.push(...(await allowlistPart(eventId, w)));
      else details.push(h('p', {}, t('organizer:presale.staffOnly')));
    }
    target.replaceChildren(
      title,
      h('p', { class: 'hint' }, t('organizer:presale.intro')),
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
