import type { Principal } from '../auth/principal.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import { assertEventOrganizer, canSeeEvent } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import { contrastShortfall, MIN_CONTRAST } from './contrast.js';
import { processUpload } from './images.js';
import { mediaErrors } from './media.errors.js';
import * as repo from './media.repository.js';
import {
  brandingLanguages,
  type BrandingInput,
  type BrandingLanguage,
  type BrandingView,
  type PictureView,
} from './media.schemas.js';
import type { MediaSlot } from './vocabulary.js';
import { pictureView } from './media.views.js';

/** An event's pictures (its image, its queue-page logo) and the branding of its queue page. */
export class MediaService {
  private readonly db: Db;

  constructor(deps: { db: Db }) {
    this.db = deps.db;
  }

  private async managedEvent(principal: Principal, eventId: string): Promise<void> {
    const event = await findEvent(this.db, eventId);
    if (!event) throw catalogErrors.eventNotFound();
    assertEventOrganizer(principal, event);
  }

  /** Checks and resizes the upload before any write: a refused file leaves the slot as it was. */
  async upload(
    principal: Principal,
    eventId: string,
    slot: MediaSlot,
    alt: string,
    bytes: Buffer,
  ): Promise<PictureView> {
    await this.managedEvent(principal, eventId);
    const image = await processUpload(bytes, slot);
    const row = await repo.savePicture(this.db, eventId, { slot, alt, ...image });
    return pictureView(row);
  }

  async setAlt(principal: Principal, eventId: string, slot: MediaSlot, alt: string): Promise<PictureView> {
    await this.managedEvent(principal, eventId);
    const row = await repo.setAlt(this.db, eventId, slot, alt);
    if (!row) throw mediaErrors.noPicture();
    return pictureView(row);
  }

  async remove(principal: Principal, eventId: string, slot: MediaSlot): Promise<void> {
    await this.managedEvent(principal, eventId);
    if (!(await repo.deletePicture(this.db, eventId, slot))) throw mediaErrors.noPicture();
  }

  async setBranding(principal: Principal, eventId: string, input: BrandingInput): Promise<BrandingView> {
    await this.managedEvent(principal, eventId);
    if (input.accent !== null) {
      const short = contrastShortfall(input.accent);
      if (short) throw mediaErrors.lowContrast(short.ratio, short.against, MIN_CONTRAST);
    }
    const messages: Partial<Record<BrandingLanguage, string>> = {};
    for (const lang of brandingLanguages) {
      const text = input.messages[lang];
      if (text) messages[lang] = text;
    }
    await repo.saveBranding(this.db, eventId, { accent: input.accent, messages });
    return this.branding(principal, eventId, 'en');
  }

  /** What the queue page draws; a draft's only for its organizer (to anyone else it does not exist). */
  async branding(principal: Principal | null, eventId: string, lang: BrandingLanguage): Promise<BrandingView> {
    const event = await findEvent(this.db, eventId);
    if (!event || !canSeeEvent(principal, event)) throw catalogErrors.eventNotFound();
    const [pictures, branding] = await Promise.all([
      repo.findPictures(this.db, eventId),
      repo.findBranding(this.db, eventId),
    ]);
    const messages = (branding?.messages ?? {}) as Partial<Record<BrandingLanguage, string>>;
    const resolved: BrandingLanguage | undefined = messages[lang] ? lang : messages.en ? 'en' : undefined;
    const image = pictures.find((p) => p.slot === 'image');
    const logo = pictures.find((p) => p.slot === 'logo');
    return {
      eventId,
      accent: branding?.accent ?? null,
      messages,
      message: resolved ? { lang: resolved, text: messages[resolved]! } : null,
      image: image ? pictureView(image) : null,
      logo: logo ? pictureView(logo) : null,
    };
  }

  async file(name: string): Promise<{ contentType: string; bytes: Buffer }> {
    const file = await repo.findFile(this.db, name);
    if (!file) throw mediaErrors.fileNotFound();
    return file;
  }
}
