import { type Actor, requireAllowed, roleHas } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { loadSharp } from '../../platform/sharp.ts';
import { recordAudit } from '../audit/index.ts';
import type { ApplicantBranding } from '../intake/index.ts';
import { sniffType } from '../intake/index.ts';
import { openOrCreateSubjectKey, withSubjectKey } from '../keys/index.ts';
import { organisationMessages as om } from './organisation.messages.ts';
import {
  deleteDraft,
  findDraft,
  findVersion,
  insertDraft,
  latestPublishedVersion,
  listPublishedAfter,
  listVersions,
  lockDraft,
  markPublished,
  nextVersion,
  updateDraft,
} from './organisation.repository.ts';
import {
  EMPTY_SETTINGS,
  inLocale,
  parseSettingsForm,
  type Settings,
  settingsSchema,
} from './organisation.schemas.ts';

/**
 * The organisation's customisation (issue 21 item 5, ADRs 0193-0195). Administrators save a
 * draft, preview it and publish it; each publish is a new version, and published versions are
 * never changed, so the questions a submission answered keep their meaning. Applicant pages
 * read the published settings from memory (they never wait on this module): loaded when the
 * app starts, replaced at once on publish in this process, and re-checked by a cheap query at
 * most every REFRESH_MS for what another process published.
 */

export const canConfigureOrganisation = (actor: Actor): boolean =>
  actor.kind === 'staff' && roleHas(actor.role, 'organisation.configure');

/** The staff-only contact person is personal: encrypted under this subject's key (ADR 0193). */
const SUBJECT = 'organisation';
const contactBinding = (version: number) => ({
  table: 'organisation_versions',
  column: 'contact_person',
  rowId: String(version),
});

export const LOGO_MAX_BYTES = 256 * 1024;
/** The logo as shown: at most this high and wide (CSS pixels), re-encoded as a small PNG. */
export const LOGO_MAX_HEIGHT = 48;
const LOGO_MAX_WIDTH = 240;
/** A logo must not eat the applicant pages' budget: the re-encoded file's ceiling. */
export const LOGO_OUT_MAX_BYTES = 24 * 1024;
const LOGO_MAX_PIXELS = 4096 * 4096;
const REFRESH_MS = 15_000;

export interface LoadedVersion {
  version: number;
  settings: Settings;
  logo: { width: number; height: number } | undefined;
}

interface Snapshot {
  current: LoadedVersion | undefined;
  /** Every published version's settings (small; the case page names its answers' version). */
  versions: Map<number, Settings>;
  checkedAt: number;
  refreshing: Promise<void> | undefined;
}

const snapshots = new WeakMap<AppContext, Snapshot>();

function snapshotOf(ctx: AppContext): Snapshot {
  let s = snapshots.get(ctx);
  if (s === undefined) {
    s = { current: undefined, versions: new Map(), checkedAt: 0, refreshing: undefined };
    snapshots.set(ctx, s);
  }
  return s;
}

type VersionRow = {
  version: number;
  settings: unknown;
  logo_width: number | null;
  logo_height: number | null;
};

function loaded(row: VersionRow): LoadedVersion {
  return {
    version: row.version,
    // A row that no longer parses (a hand-edited database) shows the defaults, not a 500.
    settings: settingsSchema.safeParse(row.settings).data ?? EMPTY_SETTINGS,
    logo:
      row.logo_width === null || row.logo_height === null
        ? undefined
        : { width: row.logo_width, height: row.logo_height },
  };
}

/** Loads what was published since this process last looked (all of it the first time). */
export async function refreshOrganisation(ctx: AppContext, db: Db = ctx.database.db): Promise<void> {
  const s = snapshotOf(ctx);
  s.checkedAt = Date.now();
  const known = s.current?.version ?? 0;
  if ((await latestPublishedVersion(db)) <= known) return;
  for (const row of await listPublishedAfter(db, known)) {
    const version = loaded(row);
    s.versions.set(version.version, version.settings);
    if (version.version > (s.current?.version ?? 0)) s.current = version;
  }
}

/** The published version this process shows, starting a re-check in the background when due. */
export function publishedOrganisation(ctx: AppContext): LoadedVersion | undefined {
  const s = snapshotOf(ctx);
  if (s.refreshing === undefined && Date.now() - s.checkedAt > REFRESH_MS) {
    s.refreshing = refreshOrganisation(ctx)
      .catch((error: unknown) => {
        // The database may be busy or gone for a moment: keep showing what is loaded.
        ctx.logger.warn({ err: error }, 'organisation settings: refresh failed');
      })
      .finally(() => {
        s.refreshing = undefined;
      });
  }
  return s.current;
}

/** A published version's settings (the questions a case's answers name), if this server has it. */
export function publishedSettings(ctx: AppContext, version: number): Settings | undefined {
  return snapshotOf(ctx).versions.get(version);
}

/** The applicant pages' branding from a version's settings, in a language. */
export function brandingOf(
  v: LoadedVersion,
  locale: Locale,
  logoSrc = `/organisation/logo/${v.version}.png`,
): ApplicantBranding {
  const s = v.settings;
  const contacts: Array<{ label: string; value: string; href?: string }> = [];
  if (s.contacts.telegram !== undefined) {
    contacts.push({
      label: om(locale, 'organisation.contact.telegram'),
      value: `@${s.contacts.telegram}`,
      href: `https://t.me/${s.contacts.telegram}`,
    });
  }
  if (s.contacts.signal !== undefined) {
    contacts.push({ label: om(locale, 'organisation.contact.signal'), value: s.contacts.signal });
  }
  if (s.contacts.email !== undefined) {
    contacts.push({
      label: om(locale, 'organisation.contact.email'),
      value: s.contacts.email,
      href: `mailto:${s.contacts.email}`,
    });
  }
  return {
    version: v.version,
    name: inLocale(s.name, locale),
    logo: v.logo === undefined ? undefined : { src: logoSrc, ...v.logo },
    contacts,
    welcome: inLocale(s.welcome, locale),
    privacy: inLocale(s.privacy, locale),
  };
}

// ---------------------------------------------------------------------------------------------
// The administrator's acts

export interface DraftView {
  version: number;
  settings: Settings;
  contactPerson: string;
  logo: { width: number; height: number } | undefined;
  publishedAt: Date | null;
}

async function readContactPerson(ctx: AppContext, version: number, enc: Uint8Array | null): Promise<string> {
  if (enc === null) return '';
  return withSubjectKey(ctx, SUBJECT, (key) =>
    decryptFieldText(key, Buffer.from(enc), contactBinding(version)),
  );
}

function viewOf(row: NonNullable<Awaited<ReturnType<typeof findVersion>>>, contactPerson: string): DraftView {
  const v = loaded(row);
  return { ...v, contactPerson, publishedAt: row.published_at };
}

export interface OrganisationOverview {
  current: number | undefined;
  draft: DraftView | undefined;
  /** What the form starts from: the draft, else the current published version, else nothing. */
  form: DraftView | undefined;
  versions: Array<{ version: number; publishedAt: Date | null }>;
}

export async function getOrganisationOverview(ctx: AppContext, actor: Actor): Promise<OrganisationOverview> {
  requireAllowed(canConfigureOrganisation(actor), 'organisation');
  const db = ctx.database.db;
  const draftRow = await findDraft(db);
  const draft =
    draftRow === undefined
      ? undefined
      : viewOf(draftRow, await readContactPerson(ctx, draftRow.version, draftRow.contact_person_enc));
  const current = await latestPublishedVersion(db);
  let form = draft;
  if (form === undefined && current > 0) form = await getVersion(ctx, actor, current);
  const versions = (await listVersions(db)).map((r) => ({ version: r.version, publishedAt: r.published_at }));
  return { current: current === 0 ? undefined : current, draft, form, versions };
}

/** The version a path names ("3"), or undefined for anything else. */
async function findVersionNamed(db: Db, raw: unknown) {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n < 2 ** 31 ? findVersion(db, n) : undefined;
}

/** One version (a draft or a published one), for the administrator. */
export async function getVersion(ctx: AppContext, actor: Actor, version: unknown): Promise<DraftView> {
  requireAllowed(canConfigureOrganisation(actor), 'organisation');
  const row = await findVersionNamed(ctx.database.db, version);
  if (row === undefined) throw new AppError('not_found', 'no such organisation version');
  return viewOf(row, await readContactPerson(ctx, row.version, row.contact_person_enc));
}

/** A version's logo (PNG), for the administrator's preview (drafts included). */
export async function readVersionLogo(ctx: AppContext, actor: Actor, version: unknown): Promise<Buffer> {
  requireAllowed(canConfigureOrganisation(actor), 'organisation');
  const row = await findVersionNamed(ctx.database.db, version);
  if (row?.logo === null || row?.logo === undefined) throw new AppError('not_found', 'no logo');
  return Buffer.from(row.logo);
}

/** A published version's logo (PNG), for applicants; a draft's is not theirs to see. */
export async function readPublishedLogo(ctx: AppContext, version: unknown): Promise<Buffer> {
  const row = await findVersionNamed(ctx.database.db, version);
  if (row === undefined || row.published_at === null || row.logo === null) {
    throw new AppError('not_found', 'no logo');
  }
  return Buffer.from(row.logo);
}

/**
 * Writes the draft (creating it from the current published version when there is none), in
 * the caller's transaction, with the draft row locked.
 */
async function writeDraft(
  ctx: AppContext,
  trx: Db,
  actor: Actor & { kind: 'staff' },
  change: {
    settings?: Settings;
    contactPerson?: string;
    logo?: { data: Buffer; width: number; height: number } | null;
  },
): Promise<number> {
  const draft = await lockDraft(trx);
  const version = draft?.version ?? (await nextVersion(trx));
  let contactEnc: Buffer | null | undefined;
  if (change.contactPerson !== undefined) {
    if (change.contactPerson === '') contactEnc = null;
    else {
      const key = await openOrCreateSubjectKey(trx, ctx.vault, SUBJECT);
      try {
        contactEnc = encryptField(key, change.contactPerson, contactBinding(version));
      } finally {
        key.dispose();
      }
    }
  }
  const logoColumns =
    change.logo === undefined
      ? {}
      : change.logo === null
        ? { logo: null, logo_width: null, logo_height: null }
        : { logo: change.logo.data, logo_width: change.logo.width, logo_height: change.logo.height };
  if (draft !== undefined) {
    await updateDraft(trx, version, {
      ...(change.settings === undefined ? {} : { settings: JSON.stringify(change.settings) }),
      ...(contactEnc === undefined ? {} : { contact_person_enc: contactEnc }),
      ...logoColumns,
      saved_by: actor.id,
    });
    return version;
  }
  // A new draft starts from the published version: what is not changed is carried over.
  const current = await latestPublishedVersion(trx);
  const base = current === 0 ? undefined : await findVersion(trx, current);
  let carriedContact: Buffer | null = null;
  if (contactEnc === undefined && base?.contact_person_enc != null) {
    const text = await readContactPerson(ctx, base.version, base.contact_person_enc);
    const key = await openOrCreateSubjectKey(trx, ctx.vault, SUBJECT);
    try {
      carriedContact = encryptField(key, text, contactBinding(version));
    } finally {
      key.dispose();
    }
  }
  await insertDraft(trx, {
    version,
    settings: JSON.stringify(
      change.settings ?? (base === undefined ? EMPTY_SETTINGS : loaded(base).settings),
    ),
    logo: base?.logo === undefined || base.logo === null ? null : Buffer.from(base.logo),
    logo_width: base?.logo_width ?? null,
    logo_height: base?.logo_height ?? null,
    ...logoColumns,
    contact_person_enc: contactEnc === undefined ? carriedContact : contactEnc,
    saved_by: actor.id,
  });
  return version;
}

function staffActor(actor: Actor): Actor & { kind: 'staff' } {
  requireAllowed(canConfigureOrganisation(actor), 'organisation');
  return actor as Actor & { kind: 'staff' };
}

/** Saves the administrator's form as the draft (validated first: nothing is written otherwise). */
export async function saveOrganisationDraft(ctx: AppContext, actor: Actor, body: unknown): Promise<number> {
  const staff = staffActor(actor);
  const parsed = parseSettingsForm(body);
  if (!parsed.ok) throw new AppError('validation_failed', 'organisation settings', { fields: parsed.errors });
  const removeLogo = (body as Record<string, unknown> | null)?.remove_logo === '1';
  return ctx.database.db.transaction().execute(async (trx) => {
    const version = await writeDraft(ctx, trx, staff, {
      settings: parsed.settings,
      contactPerson: parsed.contactPerson,
      ...(removeLogo ? { logo: null } : {}),
    });
    await recordAudit(trx, {
      actor: staff.id,
      action: 'organisation.draft_saved',
      target: `organisation:v${version}`,
    });
    return version;
  });
}

const logoRefused = () =>
  new AppError('validation_failed', 'logo refused', { fields: { logo: 'organisation.error.logo' } });

/**
 * The logo: at most LOGO_MAX_BYTES, a PNG or JPEG by its magic bytes (the intake's own check),
 * decoded by sharp with a pixel limit and re-encoded as a small PNG with no metadata (EXIF,
 * XMP, ICC, text chunks all dropped), so what applicants load is ours, small and inert.
 */
export async function cleanLogo(file: Buffer | undefined, truncated: boolean) {
  if (file === undefined || file.length === 0 || truncated || file.length > LOGO_MAX_BYTES)
    throw logoRefused();
  const type = sniffType(file.subarray(0, 16));
  if (type !== 'image/png' && type !== 'image/jpeg') throw logoRefused();
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(file, { limitInputPixels: LOGO_MAX_PIXELS, failOn: 'error' })
      .rotate()
      .resize({
        height: LOGO_MAX_HEIGHT * 2,
        width: LOGO_MAX_WIDTH * 2,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .png({ compressionLevel: 9, palette: true })
      .toBuffer({ resolveWithObject: true });
    if (data.length > LOGO_OUT_MAX_BYTES) throw logoRefused();
    // Shown at half its pixel size (sharp on high-density screens), never above the ceiling.
    const scale = Math.min(1, LOGO_MAX_HEIGHT / info.height, LOGO_MAX_WIDTH / info.width);
    return {
      data,
      width: Math.max(1, Math.round(info.width * scale)),
      height: Math.max(1, Math.round(info.height * scale)),
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw logoRefused();
  }
}

export async function setOrganisationLogo(
  ctx: AppContext,
  actor: Actor,
  upload: { file: Buffer | undefined; truncated: boolean },
): Promise<number> {
  const staff = staffActor(actor);
  const logo = await cleanLogo(upload.file, upload.truncated);
  return ctx.database.db.transaction().execute(async (trx) => {
    const version = await writeDraft(ctx, trx, staff, { logo });
    await recordAudit(trx, {
      actor: staff.id,
      action: 'organisation.logo_set',
      target: `organisation:v${version}`,
    });
    return version;
  });
}

/** The draft's version number from a form (what the administrator saw when deciding). */
function expectedVersion(body: unknown): number {
  const v = Number((body as Record<string, unknown> | null)?.version);
  return Number.isInteger(v) && v > 0 && v < 2 ** 31 ? v : 0;
}

/**
 * Publishes the draft the administrator previewed: refused (409) if the draft changed
 * meanwhile or there is none. Applicants in this process see it at once.
 */
export async function publishOrganisationDraft(
  ctx: AppContext,
  actor: Actor,
  body: unknown,
): Promise<number> {
  const staff = staffActor(actor);
  const expected = expectedVersion(body);
  const version = await ctx.database.db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx);
    if (draft === undefined) {
      throw new AppError('conflict', 'no draft', { fields: { form: 'organisation.error.no_draft' } });
    }
    if (draft.version !== expected) {
      throw new AppError('conflict', 'stale draft', { fields: { form: 'organisation.error.stale' } });
    }
    await markPublished(trx, draft.version, staff.id);
    await recordAudit(trx, {
      actor: staff.id,
      action: 'organisation.published',
      target: `organisation:v${draft.version}`,
    });
    return draft.version;
  });
  await refreshOrganisation(ctx);
  return version;
}

export async function discardOrganisationDraft(ctx: AppContext, actor: Actor, body: unknown): Promise<void> {
  const staff = staffActor(actor);
  const expected = expectedVersion(body);
  await ctx.database.db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx);
    if (draft === undefined || draft.version !== expected) {
      throw new AppError('conflict', 'stale draft', { fields: { form: 'organisation.error.stale' } });
    }
    await deleteDraft(trx, draft.version);
    await recordAudit(trx, {
      actor: staff.id,
      action: 'organisation.draft_discarded',
      target: `organisation:v${draft.version}`,
    });
  });
}
