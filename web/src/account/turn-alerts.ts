import { api, ApiError } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';

/**
 * The account page's "When it's your turn" section: turns Web Push on or off for this browser
 * (the service worker web/sw.js shows the messages) and chooses the channels the account allows.
 */

interface Preferences {
  push: boolean;
  email: boolean;
}

/** Where this browser keeps the id of its subscription on the server, to remove it by. */
const SAVED_ID = 'fairdrop.push-subscription';

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** The VAPID public key as the bytes PushManager.subscribe takes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** A short name for this device in the list, from the browser's own words. */
function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrom/.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const system = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS/.test(ua)
        ? 'Mac'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return system ? `${browser} on ${system}` : browser;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  return navigator.serviceWorker.ready;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const reg = await navigator.serviceWorker.getRegistration('/');
  return reg ? reg.pushManager.getSubscription() : null;
}

function words(err: unknown): string {
  if (err instanceof ApiError) return err.describe();
  if (err instanceof DOMException && err.name === 'NotAllowedError') return t('account:turn.blocked');
  return t('account:turn.failed');
}

async function showDevice(): Promise<void> {
  const note = $('#turn-device-note');
  const on = $<HTMLButtonElement>('#turn-device-on');
  const off = $<HTMLButtonElement>('#turn-device-off');
  if (!supported()) {
    note.textContent = t('account:turn.unsupported');
    on.hidden = off.hidden = true;
    return;
  }
  const subscribed = (await currentSubscription()) !== null;
  note.textContent = subscribed ? t('account:turn.subscribed') : t('account:turn.notSubscribed');
  on.hidden = subscribed;
  off.hidden = !subscribed;
}

async function turnOn(): Promise<void> {
  const status = $('#turn-status');
  setStatus(status, 'busy', t('account:turn.asking'));
  try {
    const { publicKey } = await api<{ publicKey: string }>('GET', '/v1/push/key');
    if ((await Notification.requestPermission()) !== 'granted')
      throw new DOMException('Notifications not allowed', 'NotAllowedError');
    const reg = await registration();
    const subscription =
      (await reg.pushManager.getSubscription()) ??
      (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
    const saved = await api<{ id: string }>('POST', '/v1/me/push-subscriptions', {
      ...subscription.toJSON(),
      label: deviceLabel(),
    });
    localStorage.setItem(SAVED_ID, saved.id);
    setStatus(status, 'ok', t('account:turn.on'));
  } catch (err) {
    setStatus(status, 'bad', words(err));
  }
  await showDevice();
}

async function turnOff(): Promise<void> {
  const status = $('#turn-status');
  setStatus(status, 'busy', t('account:turn.turningOff'));
  try {
    const subscription = await currentSubscription();
    await subscription?.unsubscribe();
    // The id the server gave this browser's subscription; the push service alone would not tell two devices apart.
    const id = localStorage.getItem(SAVED_ID);
    if (id) {
      await api('DELETE', `/v1/me/push-subscriptions/${id}`).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.problem.status === 404)) throw err;
      });
      localStorage.removeItem(SAVED_ID);
    }
    setStatus(status, 'ok', t('account:turn.off'));
  } catch (err) {
    setStatus(status, 'bad', words(err));
  }
  await showDevice();
}

let bound = false;

/** Fills the section for the signed-in account (called each time the account is shown). */
export async function showTurnAlerts(): Promise<void> {
  const push = $<HTMLInputElement>('#turn-push');
  const email = $<HTMLInputElement>('#turn-email');
  const status = $('#turn-status');
  if (!bound) {
    bound = true;
    $('#turn-device-on').addEventListener('click', () => void turnOn());
    $('#turn-device-off').addEventListener('click', () => void turnOff());
    const save = async () => {
      setStatus(status, 'busy', t('account:turn.saving'));
      try {
        const saved = await api<Preferences>('PUT', '/v1/me/notification-preferences', {
          push: push.checked,
          email: email.checked,
        });
        push.checked = saved.push;
        email.checked = saved.email;
        setStatus(status, 'ok', t('account:turn.saved'));
      } catch (err) {
        setStatus(status, 'bad', words(err));
      }
    };
    push.addEventListener('change', () => void save());
    email.addEventListener('change', () => void save());
  }
  try {
    const prefs = await api<Preferences>('GET', '/v1/me/notification-preferences');
    push.checked = prefs.push;
    email.checked = prefs.email;
  } catch (err) {
    setStatus(status, 'bad', words(err));
  }
  await showDevice();
}
