import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KeywardError } from '../errors.js';
import type { Logger } from '../logger.js';

export type RegistryItemType = 'component' | 'block';
export type RegistryTier = 'free' | 'pro';

/** One registry item as the manifest (`registry.json`) describes it. Never carries source. */
export interface RegistryItemMeta {
  slug: string;
  name: string;
  description: string;
  type: RegistryItemType;
  tier: RegistryTier;
  version: string;
  /** Paths relative to `<dir>/<type>s/<slug>/`. */
  files: string[];
}

export interface RegistrySourceFile {
  path: string;
  content: string;
}

/** Lower-case letters, digits and dashes, starting with a letter or digit, at most 64 characters. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isValidSlug(slug: string): boolean {
  return SLUG_PATTERN.test(slug);
}

/**
 * A manifest file name is safe when it is relative, uses `/` separators, and has no empty,
 * `.` or `..` segment (so it can never leave the item's own directory).
 */
export function isSafeRelativePath(file: string): boolean {
  if (file.length === 0 || file.length > 255) return false;
  if (file.includes('\\') || file.includes('\0') || file.startsWith('/')) return false;
  if (/^[a-zA-Z]:/.test(file)) return false;
  return file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** The bundled sample registry (server/registry-seed), copied into the registry dir on first boot. */
export const bundledSeedDir = fileURLToPath(new URL('../../registry-seed/', import.meta.url));

const MANIFEST = 'registry.json';

const manifestItem = z.object({
  slug: z.string(),
  name: z.string().min(1),
  description: z.string().default(''),
  type: z.enum(['component', 'block']),
  tier: z.enum(['free', 'pro']),
  version: z.string().min(1),
  files: z.array(z.string()).min(1),
});

const manifestSchema = z.object({ items: z.array(z.unknown()) });

interface LoadedManifest {
  mtimeMs: number;
  size: number;
  items: RegistryItemMeta[];
}

/**
 * The component registry on disk: `<dir>/registry.json` lists the items, and each item's files
 * live under `<dir>/components/<slug>/` or `<dir>/blocks/<slug>/`. The manifest is cached and
 * re-read when its mtime or size changes, so operators can edit it without a restart.
 */
export class RegistryService {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly seedDir: string;
  private cache: LoadedManifest | null = null;

  constructor(options: { dir: string; logger: Logger; seedDir?: string }) {
    this.dir = path.resolve(options.dir);
    this.logger = options.logger;
    this.seedDir = options.seedDir ?? bundledSeedDir;
  }

  /**
   * First boot: copies the bundled sample registry into the registry dir when it has no
   * registry.json. An existing registry (or any file already there) is never overwritten; the
   * manifest is written last and atomically, so a half-finished copy is retried on the next boot.
   */
  async ensureSeeded(): Promise<void> {
    const manifest = path.join(this.dir, MANIFEST);
    if (await exists(manifest)) return;
    await fs.mkdir(this.dir, { recursive: true });
    const seedManifest = path.join(this.seedDir, MANIFEST);
    await fs.cp(this.seedDir, this.dir, {
      recursive: true,
      force: false,
      errorOnExist: false,
      filter: (source) => path.resolve(source) !== path.resolve(seedManifest),
    });
    const temporary = path.join(this.dir, `.${MANIFEST}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.copyFile(seedManifest, temporary);
      try {
        // link() fails with EEXIST instead of replacing: a concurrently seeding instance wins cleanly.
        await fs.link(temporary, manifest);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') return;
        // Filesystems without hard links: an exclusive copy still never overwrites.
        await fs.copyFile(seedManifest, manifest, fsConstants.COPYFILE_EXCL).catch((copyError: unknown) => {
          if (errorCode(copyError) !== 'EEXIST') throw copyError;
        });
      }
      this.cache = null;
      this.logger.info({ dir: this.dir }, 'seeded the sample component registry');
    } finally {
      await fs.rm(temporary, { force: true });
    }
  }

  /** Every valid item, in manifest order. */
  async list(): Promise<RegistryItemMeta[]> {
    return (await this.load()).map(copyMeta);
  }

  /** The item of that type and slug; null for unknown or invalid slugs. */
  async find(type: RegistryItemType, slug: string): Promise<RegistryItemMeta | null> {
    if (!isValidSlug(slug)) return null;
    const item = (await this.load()).find((entry) => entry.type === type && entry.slug === slug);
    return item ? copyMeta(item) : null;
  }

  /** A component of that slug, else a block of that slug, else null. */
  async findAny(slug: string): Promise<RegistryItemMeta | null> {
    return (await this.find('component', slug)) ?? (await this.find('block', slug));
  }

  /**
   * Reads every file of an item. Any missing, unreadable or unsafe file fails the whole read with
   * `component_source_unreadable` / `block_source_unreadable`; the path goes to the log only.
   */
  async readSource(item: RegistryItemMeta): Promise<RegistrySourceFile[]> {
    const code = item.type === 'block' ? 'block_source_unreadable' : 'component_source_unreadable';
    const unreadable = () =>
      new KeywardError(
        code,
        `The source of the ${item.type} "${item.slug}" could not be read; try again later.`,
      );
    if (!isValidSlug(item.slug)) throw unreadable();
    const itemDir = path.join(this.dir, `${item.type}s`, item.slug);
    const files: RegistrySourceFile[] = [];
    for (const file of item.files) {
      const full = path.resolve(itemDir, file);
      if (!isSafeRelativePath(file) || !full.startsWith(itemDir + path.sep)) {
        this.logger.warn({ slug: item.slug, type: item.type, file }, 'registry file name refused');
        throw unreadable();
      }
      try {
        files.push({ path: file, content: await fs.readFile(full, 'utf8') });
      } catch (error) {
        this.logger.warn(
          { slug: item.slug, type: item.type, path: full, err: errorCode(error) ?? String(error) },
          'registry source unreadable',
        );
        throw unreadable();
      }
    }
    return files;
  }

  private async load(): Promise<RegistryItemMeta[]> {
    const manifest = path.join(this.dir, MANIFEST);
    try {
      const stat = await fs.stat(manifest);
      if (this.cache && this.cache.mtimeMs === stat.mtimeMs && this.cache.size === stat.size) {
        return this.cache.items;
      }
      const parsed = manifestSchema.parse(JSON.parse(await fs.readFile(manifest, 'utf8')));
      const items = this.validItems(parsed.items);
      this.cache = { mtimeMs: stat.mtimeMs, size: stat.size, items };
      return items;
    } catch (error) {
      this.logger.error(
        { path: manifest, err: errorCode(error) ?? (error instanceof Error ? error.message : String(error)) },
        'registry manifest unreadable',
      );
      throw new KeywardError('internal_error', 'The component registry could not be read.');
    }
  }

  /** Keeps the manifest entries that are safe to serve; logs and skips the rest. */
  private validItems(entries: unknown[]): RegistryItemMeta[] {
    const items: RegistryItemMeta[] = [];
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const checked = checkEntry(entry, seen);
      if (typeof checked === 'string') {
        this.logger.warn({ index, reason: checked }, 'registry entry skipped');
      } else {
        seen.add(`${checked.type}:${checked.slug}`);
        items.push(checked);
      }
    });
    return items;
  }
}

/** A servable item, or why the entry is refused. */
function checkEntry(entry: unknown, seen: ReadonlySet<string>): RegistryItemMeta | string {
  const result = manifestItem.safeParse(entry);
  if (!result.success) return result.error.issues[0]?.message ?? 'invalid entry';
  const item = result.data;
  if (!isValidSlug(item.slug)) return `invalid slug ${JSON.stringify(item.slug)}`;
  const unsafe = item.files.find((file) => !isSafeRelativePath(file));
  if (unsafe !== undefined) return `unsafe file name ${JSON.stringify(unsafe)}`;
  if (seen.has(`${item.type}:${item.slug}`)) return `duplicate ${item.type} ${item.slug}`;
  return { ...item, files: [...item.files] };
}

function copyMeta(item: RegistryItemMeta): RegistryItemMeta {
  return { ...item, files: [...item.files] };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
