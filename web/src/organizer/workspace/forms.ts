import { api } from '../../lib/api.js';
import { $ } from '../../lib/dom.js';
import { failureFeedback, formKey, numberOf, textOf, toMinorUnits } from '../../lib/forms.js';
import { number, t } from '../../lib/i18n.js';
import type { Store } from '../../lib/store.js';
import { zonedToIso } from '../../lib/zoned-time.js';
import type { EventDetail } from '../types.js';
import { accessibleList, type actions, type WorkspaceForm, type WorkspaceState } from './state.js';

/**
 * The workspace's effects: each form sends its change to the API, then the event is loaded
 * again (`reload`, from the console) so every view shows what the server now holds.
 */

type WorkspaceStore = Store<WorkspaceState, typeof actions>;
type Reload = (eventId: string) => Promise<void>;

const checked = (form: HTMLFormElement, name: string) =>
  form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value;

export function bindWorkspaceForms(store: WorkspaceStore, reload: Reload): void {
  const { actions } = store;

  /** Runs one change for a form: busy while it runs, the event reloaded on success, the refusal beside the fields. */
  async function submit(
    form: WorkspaceForm,
    busy: string,
    change: (event: EventDetail) => Promise<string>,
  ): Promise<void> {
    const event = store.state.event;
    if (!event) return;
    actions.submitting(form, busy);
    try {
      const done = await change(event);
      await reload(event.id);
      actions.submitted(form, done);
    } catch (err) {
      actions.refused(form, failureFeedback(err));
    }
  }

  bindTierForm(store, submit);
  bindSeatsForm(store, submit);
  bindOnsaleForm(store, submit);
  bindPublishForm(submit);
}

type Submit = (form: WorkspaceForm, busy: string, change: (event: EventDetail) => Promise<string>) => Promise<void>;

function bindTierForm(store: WorkspaceStore, submit: Submit): void {
  const form = $<HTMLFormElement>('#tier-form');
  const key = formKey(form);
  const kind = () => (checked(form, 'kind') ?? 'reserved') as 'reserved' | 'ga';
  form.addEventListener('change', () => store.actions.tierKindChosen(kind()));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const currency = textOf(form, 'currency').toUpperCase();
    const body = {
      name: textOf(form, 'name'),
      kind: kind(),
      priceCents: toMinorUnits(textOf(form, 'priceCents'), currency),
      feeCents: toMinorUnits(textOf(form, 'feeCents'), currency),
      currency,
      ...(kind() === 'ga' ? { capacity: numberOf(form, 'capacity') } : {}),
    };
    void submit('tier', t('organizer:tiers.busy'), async (event) => {
      const tier = await api<{ name: string }>('POST', `/v1/events/${event.id}/tiers`, body, {
        idempotencyKey: key.current(),
      });
      key.reset();
      form.reset();
      $<HTMLInputElement>('#tier-currency').value = currency;
      store.actions.tierKindChosen(kind());
      return body.kind === 'reserved'
        ? t('organizer:tiers.addedReserved', { name: tier.name })
        : t('organizer:tiers.added', { name: tier.name });
    });
  });
}

function bindSeatsForm(store: WorkspaceStore, submit: Submit): void {
  const form = $<HTMLFormElement>('#seats-form');
  const key = formKey(form);
  const typed = () => store.actions.layoutTyped(textOf(form, 'blocks.0.layout'), textOf(form, 'blocks.0.accessible'));
  form.addEventListener('input', typed);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!store.state.event) return;
    const accessible = accessibleList(textOf(form, 'blocks.0.accessible'));
    const block = {
      tierId: textOf(form, 'blocks.0.tierId'),
      layout: textOf(form, 'blocks.0.layout'),
      ...(accessible.length ? { accessible } : {}),
    };
    if (!block.tierId) {
      store.actions.refused('seats', {
        kind: 'bad',
        text: t('organizer:seats.needTier'),
        errors: [{ field: 'blocks.0.tierId', message: t('organizer:seats.needTierField') }],
      });
      return;
    }
    void submit('seats', t('organizer:seats.busy'), async (event) => {
      const { created } = await api<{ created: number }>(
        'POST',
        `/v1/events/${event.id}/seats`,
        { blocks: [block] },
        { idempotencyKey: key.current() },
      );
      key.reset();
      $<HTMLInputElement>('#seats-layout').value = '';
      $<HTMLInputElement>('#seats-accessible').value = '';
      typed();
      return t('organizer:seats.added', { count: created, n: number(created) });
    });
  });
}

function bindOnsaleForm(store: WorkspaceStore, submit: Submit): void {
  const form = $<HTMLFormElement>('#onsale-form');
  const key = formKey(form);
  const mode = () => (checked(form, 'mode') ?? 'queue') as 'queue' | 'open';
  form.addEventListener('change', () => store.actions.saleModeChosen(mode()));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { event, onsale } = store.state;
    if (!event) return;
    const time = (name: string) => zonedToIso(textOf(form, name), event.startsAt.timeZone);
    const body = {
      mode: mode(),
      // Queue-only settings are left out of an open sale: the API refuses them there.
      ...(mode() === 'queue'
        ? {
            prequeueOpensAt: time('prequeueOpensAt'),
            admitPerMinute: numberOf(form, 'admitPerMinute'),
            requireVerifiedEmail: (form.elements.namedItem('requireVerifiedEmail') as HTMLInputElement).checked,
          }
        : {}),
      saleStartsAt: time('saleStartsAt') ?? undefined,
      saleEndsAt: time('saleEndsAt'),
      purchaseTokenTtlSeconds: numberOf(form, 'purchaseTokenTtlSeconds'),
      holdTtlSeconds: numberOf(form, 'holdTtlSeconds'),
      perAccountLimit: numberOf(form, 'perAccountLimit') ?? null,
      // Saving the window must not resume a sale the live dashboard paused or closed.
      state: onsale?.state ?? 'scheduled',
    };
    void submit('onsale', t('organizer:onsale.busy'), async (event) => {
      await api('PUT', `/v1/events/${event.id}/onsale`, body, { idempotencyKey: key.current() });
      key.reset();
      return t('organizer:onsale.saved');
    });
  });
}

function bindPublishForm(submit: Submit): void {
  $<HTMLFormElement>('#publish-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const target = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'scheduled';
    // A draft is published; a postponed event goes back on sale. Either way its on-sale window then decides.
    const reopen = target === 'on_sale';
    const busy = reopen ? t('organizer:publish.busyReopen') : t('organizer:publish.busyPublish');
    void submit('publish', busy, async (event) => {
      await api('PATCH', `/v1/events/${event.id}`, { status: target });
      return reopen ? t('organizer:publish.reopened') : t('organizer:publish.published');
    });
  });
}
