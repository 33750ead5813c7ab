import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancellationModule } from '../../src/cancellations/cancellations.jobs.js';
import { LOCALES, resources } from '../../src/i18n/index.js';
import type { Infra } from '../../src/infra/types.js';
import { deliverOutbox } from '../../src/notifications/dispatcher.js';
import { createMailer } from '../../src/notifications/mailer.js';
import { queueTurnNotices } from '../../src/notifications/turn-notices.repository.js';
import type { Broadcaster } from '../../src/realtime/broadcaster.js';
import { createSale, holdDirect, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, verifyEmail } from '../support/fixtures.js';
import { buySeats, until } from '../support/tickets-fixtures.js';

/**
 * Every notice and mail in its reader's language (issue #21): an account takes the language it
 * signed up in (Accept-Language, `?lang=`), PATCH /v1/me changes it, and the feed, the live
 * push and the mail each write the notice, times included, in the account's language when they
 * are read or sent. A switch reaches the next notice (and every one not yet sent).
 */
let env: TestEnv;
let dataDir: string;
const running: { close(): Promise<void> }[] = [];
const pushes: { userId: string; title: string; body: string; kind: string }[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fd-notice-languages-'));
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', DATA_DIR: dataDir, CANCELLATION_SWEEP_MS: '500' });
  running.push(await cancellationModule().start(env.infra));
}, 60_000);
afterAll(async () => {
  for (const r of running) await r.close();
  await env?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Registers through the API as a browser in that language would. */
async function registered(how: { acceptLanguage?: string; lang?: string }) {
  const email = `lang-${randomUUID().slice(0, 8)}@example.test`;
  const res = await env.api.post(
    `/v1/auth/register${how.lang ? `?lang=${how.lang}` : ''}`,
    { email, password: 'correct horse battery', displayName: 'Kim' },
    { headers: how.acceptLanguage ? { 'accept-language': how.acceptLanguage } : {} },
  );
  expect(res.status).toBe(201);
  return { token: res.body.token as string, userId: res.body.user.id as string, email, locale: res.body.user.locale };
}

/** Delivers the whole outbox, keeping what the live pushes said. */
async function deliver(): Promise<void> {
  const broadcaster = Object.assign(Object.create(env.infra.broadcaster) as Broadcaster, {
    toUser: (userId: string, _event: string, payload: { title: string; body: string; kind: string }) =>
      pushes.push({ userId, ...payload }),
  });
  const infra: Infra = { ...env.infra, broadcaster };
  const mailer = createMailer(env.infra.config);
  while ((await deliverOutbox(infra, mailer)) > 0);
}

/** The newest mail of a kind sent to an address, as its recipient's inbox holds it. */
async function mail(kind: string, to: string): Promise<{ subject: string; text: string }> {
  const [row] = await env.infra.database.sql<{ id: string }[]>`
    select id from notification_outbox where kind = ${kind} and channel = 'email' and recipient = ${to} and status = 'sent'
    order by id desc limit 1`;
  if (!row) throw new Error(`no ${kind} mail sent to ${to}`);
  return JSON.parse(await readFile(join(dataDir, 'mail', `${row.id}.json`), 'utf8')) as {
    subject: string;
    text: string;
  };
}

async function feed(token: string, kind: string): Promise<{ title: string; body: string; data: object }> {
  const res = await env.api.get('/v1/me/notifications', { token });
  const item = res.body.items.find((n: { kind: string }) => n.kind === kind);
  if (!item) throw new Error(`no ${kind} in the feed`);
  return item;
}

const pushOf = (userId: string, kind: string) => pushes.findLast((p) => p.userId === userId && p.kind === kind)!;

// "Sa., 12. Dez., 20:00 CET" (the app) and "Sa., 12. Dez. 2026, 20:00 CET (Ortszeit Paris)" (a mail).
const GERMAN_TIME = /(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. [A-ZÄÖÜ][a-zä]+\.?,? (\d{4}, )?\d{2}:\d{2} (CES?T|UTC)/;
const GERMAN_MAIL_TIME =
  /(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. [A-ZÄÖÜ][a-zä]+\.? \d{4}, \d{2}:\d{2} CES?T \(Ortszeit Paris\)/;
// "sáb, 12 dic, 20:00 CET" and "sáb, 12 dic 2026, 20:00 CET (hora de Paris)".
const SPANISH_TIME = /(lun|mar|mié|jue|vie|sáb|dom), \d{1,2} [a-z]+,? (\d{4}, )?\d{2}:\d{2} (CES?T|UTC)/;
const SPANISH_MAIL_TIME = /(lun|mar|mié|jue|vie|sáb|dom), \d{1,2} [a-z]+ \d{4}, \d{2}:\d{2} CES?T \(hora de Paris\)/;

/** The files under a folder, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)],
  );

describe('the notices’ messages', () => {
  it('exist in every language, a plural in each of its forms', () => {
    const said = filesUnder('src')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/\bsay\(\s*'(\w+):([\w.]+)'/g)].map((m) => [m[1]!, m[2]!] as const),
      );
    expect(said.length).toBeGreaterThan(40);
    for (const locale of LOCALES) {
      const forms = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [ns, key] of said) {
        const at = (path: string) =>
          path
            .split('.')
            .reduce<unknown>(
              (node, part) => (node as Record<string, unknown> | undefined)?.[part],
              resources[locale]?.[ns],
            );
        const found = typeof at(key) === 'string' || forms.every((form) => typeof at(`${key}_${form}`) === 'string');
        expect(found, `${locale}: ${ns}:${key}`).toBe(true);
      }
    }
  });
});

describe('the account’s language', () => {
  it('is the language it signed up in: Accept-Language, or the switcher’s ?lang=, else English', async () => {
    const german = await registered({ acceptLanguage: 'de-DE,de;q=0.9,en;q=0.5' });
    const spanish = await registered({ lang: 'es', acceptLanguage: 'en-US' });
    const english = await registered({});
    expect([german.locale, spanish.locale, english.locale]).toEqual(['de', 'es', 'en']);
    expect((await env.api.get('/v1/me', { token: german.token })).body.locale).toBe('de');

    // Its verification mail is written in it, the creation time too.
    await deliver();
    const de = await mail('auth.verify_email', german.email);
    expect(de.subject).toBe('Bestätigen Sie Ihre E-Mail-Adresse für Fairdrop');
    expect(de.text).toMatch(/^Guten Tag,\n\nMit dieser E-Mail-Adresse wurde ein Fairdrop-Konto angelegt:/);
    expect(de.text).toMatch(/angelegt: (Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. [A-ZÄÖÜ][a-zä]+\.? \d{4}, \d{2}:\d{2} UTC/);
    expect(de.text).toMatch(/verify-email\.html#token=fdv_/);
    expect(de.text).not.toMatch(/Hello|The link works/);
    const es = await mail('auth.verify_email', spanish.email);
    expect(es.subject).toBe('Confirma tu correo electrónico para Fairdrop');
    expect(es.text).toContain('El enlace es válido durante 48 horas.');
    expect((await mail('auth.verify_email', english.email)).subject).toBe('Confirm your email for Fairdrop');
  });

  it('writes a mail to an address with no account in the language the request was made in', async () => {
    const nobody = `nobody-${randomUUID().slice(0, 8)}@example.test`;
    const asked = await env.api.post(
      '/v1/auth/password-reset',
      { email: nobody },
      { headers: { 'accept-language': 'es-ES,es;q=0.9' } },
    );
    expect(asked.status).toBe(202);
    const german = await registered({ acceptLanguage: 'de-AT' });
    expect((await env.api.post('/v1/auth/password-reset', { email: german.email })).status).toBe(202);
    await deliver();
    const es = await mail('auth.password_reset_no_account', nobody);
    expect(es.subject).toBe('Restablecer tu contraseña de Fairdrop');
    expect(es.text).toMatch(/^Hola:\n\nAlguien ha pedido restablecer la contraseña/);
    // An account's mail follows the account, whatever language the request was in.
    const de = await mail('auth.password_reset', german.email);
    expect(de.subject).toBe('Wählen Sie ein neues Fairdrop-Passwort');
    expect(de.text).toMatch(/^Guten Tag Kim,\n\n.+\n.+\n.+reset-password\.html#token=fdr_/);
  });

  it('is changed by PATCH /v1/me, which refuses a language it does not speak, naming the field', async () => {
    const fan = await signedIn(env);
    for (const locale of ['fr', 'DE', '', 42]) {
      const bad = await env.api.patch('/v1/me', { locale }, { token: fan.token });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['locale']);
    }
    expect((await env.api.get('/v1/me', { token: fan.token })).body.locale).toBe('en');
    const changed = await env.api.patch('/v1/me', { locale: 'es' }, { token: fan.token });
    expect(changed.status).toBe(200);
    expect(changed.body.locale).toBe('es');
    expect((await env.api.get('/v1/me', { token: fan.token })).body.locale).toBe('es');
  });
});

describe('notices in the reader’s language', () => {
  it('a waitlist offer: the feed, the live push and the mail in German and in Spanish; a switch reaches the next notice', async () => {
    const sale = await createSale(env, { seats: 2, gaCapacity: 0 });
    const german = await registered({ acceptLanguage: 'de-DE' });
    const spanish = await registered({ lang: 'es' });
    const buyer = await signedIn(env);
    const holds = [];
    for (const seatId of sale.seatIds) holds.push(await holdDirect(env, sale, buyer.userId, { seatIds: [seatId] }));
    for (const fan of [german, spanish]) {
      const joined = await env.api.post(`/v1/events/${sale.eventId}/waitlist`, undefined, {
        token: fan.token,
        headers: { 'idempotency-key': idem() },
      });
      expect(joined.status).toBe(201);
    }
    for (const holdId of holds) {
      const released = await env.api.delete(`/v1/holds/${holdId}`, {
        token: buyer.token,
        headers: { 'idempotency-key': idem() },
      });
      expect(released.status).toBe(200);
    }
    await deliver();

    const de = await feed(german.token, 'waitlist.offer');
    expect(de.title).toMatch(/^Ein Ticket für .+ liegt für Sie zum Kauf bereit$/);
    expect(de.body).toMatch(
      /^Ein Platz ist wieder frei und Sie sind als Nächstes dran\. Er ist bis .+ für Sie reserviert;/,
    );
    expect(de.body).toMatch(GERMAN_TIME);
    // The data is the writer's values, not the words: nothing in it is a language.
    expect(de.data).not.toHaveProperty('message');
    expect(pushOf(german.userId, 'waitlist.offer')).toMatchObject({ title: de.title, body: de.body });
    const deMail = await mail('waitlist.offer', german.email);
    expect(deMail.subject).toBe(de.title);
    expect(deMail.text).toMatch(GERMAN_MAIL_TIME);

    const es = await feed(spanish.token, 'waitlist.offer');
    expect(es.title).toMatch(/^Una entrada para .+ te espera para que la compres$/);
    expect(es.body).toMatch(SPANISH_TIME);
    expect(pushOf(spanish.userId, 'waitlist.offer')).toMatchObject({ title: es.title, body: es.body });
    expect((await mail('waitlist.offer', spanish.email)).text).toMatch(SPANISH_MAIL_TIME);

    // The German fan switches to Spanish: the feed reads in Spanish now, and the next notice
    // (their turn in a waiting room, written in a batch) is mailed in Spanish.
    expect((await env.api.patch('/v1/me', { locale: 'es' }, { token: german.token })).status).toBe(200);
    expect((await feed(german.token, 'waitlist.offer')).title).toMatch(/^Una entrada para .+ te espera/);
    await queueTurnNotices(env.infra.database.db, {
      eventId: sale.eventId,
      admitted: [{ accountId: german.userId, token: 'pt_test', expiresAt: Date.now() + 600_000 }],
      tokenTtlMs: 600_000,
      publicUrl: env.api.baseUrl,
    });
    await deliver();
    const turn = await mail('queue.your_turn', german.email);
    expect(turn.subject).toMatch(/^Es tu turno: /);
    expect(turn.text).toMatch(/^Ya puedes comprar entradas\. Tu pase de compra es válido hasta /);
    expect(turn.text).toMatch(SPANISH_MAIL_TIME);
    expect(turn.text).toContain(
      `Abre la sala de espera en cualquier dispositivo e inicia sesión para comprar: ${env.api.baseUrl}/queue.html?event=${sale.eventId}`,
    );
  });

  it('a ticket sent to an address with no account: the mail is in the sender’s language', async () => {
    const sale = await createSale(env, { seats: 1 });
    const sender = await registered({ acceptLanguage: 'de-CH' });
    await verifyEmail(env, sender.userId);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const friend = `friend-${randomUUID().slice(0, 8)}@example.test`;
    const sent = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: friend, message: 'Viel Spaß!' },
      { token: sender.token },
    );
    expect(sent.status).toBe(201);
    await deliver();
    const invitation = await mail('transfer.received', friend);
    expect(invitation.subject).toBe('Kim hat Ihnen ein Ticket geschickt');
    expect(invitation.text).toMatch(/^Kim schickt Ihnen ein Ticket für .+ \(.+\)\.\n\n„Viel Spaß!“\n\nHier annehmen: /);
    expect(invitation.text).toMatch(GERMAN_MAIL_TIME);
    expect(invitation.text).toContain('Übertragungen auf Fairdrop sind kostenlos');
  });

  it('a cancellation: holders and watchers read it in their own language, with the organizer’s reason as written', async () => {
    const sale = await createSale(env, { seats: 2 });
    const german = await registered({ acceptLanguage: 'de' });
    const spanish = await registered({ acceptLanguage: 'es-MX,es;q=0.9' });
    for (const fan of [german, spanish])
      expect((await env.api.post(`/v1/events/${sale.eventId}/watch`, undefined, { token: fan.token })).status).toBe(
        204,
      );
    const res = await env.api.post(
      `/v1/events/${sale.eventId}/cancel`,
      { reason: 'The band is ill' },
      { token: sale.organizer.token },
    );
    expect(res.status).toBe(202);
    await until(
      async () =>
        (
          await env.infra.database
            .sql`select 1 from notifications where kind = 'event.cancelled' and data->>'eventId' = ${sale.eventId}`
        ).length === 2,
    );
    await deliver();

    const de = await feed(german.token, 'event.cancelled');
    expect(de.title).toMatch(/^.+ ist abgesagt$/);
    expect(de.body).toMatch(/^.+ \(.+\) findet nicht statt: The band is ill\n\nJede Bestellung wird auf die Karte/);
    expect(de.body).toMatch(GERMAN_TIME);
    expect(pushOf(german.userId, 'event.cancelled')).toMatchObject({ title: de.title, body: de.body });
    const deMail = await mail('event.cancelled', german.email);
    expect(deMail.text).toMatch(GERMAN_MAIL_TIME);
    expect(deMail.text).not.toMatch(/will not take place|refunded/);

    const es = await feed(spanish.token, 'event.cancelled');
    expect(es.title).toMatch(/^.+ se ha cancelado$/);
    expect(es.body).toContain('no se celebrará: The band is ill');
    expect(es.body).toMatch(SPANISH_TIME);
    expect((await mail('event.cancelled', spanish.email)).text).toMatch(SPANISH_MAIL_TIME);
  });
});
