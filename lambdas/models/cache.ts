/**
 * Model folders in a local cache (Lambda's /tmp): downloaded from their storage URI (a path,
 * file:// or s3://) once per warm container, every file verified against SHA256SUMS.
 *
 * - In memory: one load per URI; concurrent callers share the same promise. A failed load is
 *   forgotten, so a retried shard tries again.
 * - On disk: `<cache>/<hash of URI>-<hash of SHA256SUMS>/`, written to a temp folder, verified,
 *   given a marker and renamed into place, so a half-written folder is never used and two
 *   processes sharing the cache (local worker threads) cannot see each other's partial files;
 *   a verified folder another process put in place first is used, never removed, and a stale
 *   one is renamed aside before it is removed. Partial folders a killed process left behind
 *   are removed once they are old.
 *   A folder found on disk is reused when its marker names the same SHA256SUMS and every
 *   file still has its verified size (cheap; the full hash ran when the marker was written).
 *   SHA256SUMS itself is re-read from storage each time, so a model replaced in place at the
 *   same URI is downloaded again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { assertAllowedUri } from '../shards/allowed-roots';
import { HashingStream } from '../shards/hashing';
import { isNotFound } from '../shards/not-found';
import { storageFor } from '../shards/storage';
import { joinUri, normaliseUri } from '../../core/uri';
import { MANIFEST_FILE, ModelError, parseManifest, type ManifestEntry } from './manifest';

export const MODEL_CACHE_ENV = 'VLMFLOW_MODEL_CACHE';
const MARKER_FILE = '.vlmflow-verified.json';

export interface ModelFolder {
  /** The URI the model was loaded from, as given. */
  readonly uri: string;
  /** Local folder holding the verified files. */
  readonly dir: string;
  /** sha256 of the SHA256SUMS bytes: identifies the model's exact contents. */
  readonly manifestSha256: string;
  readonly files: readonly ManifestEntry[];
}

interface Marker {
  readonly manifestSha256: string;
  readonly sizes: Readonly<Record<string, number>>;
}

export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[MODEL_CACHE_ENV]?.trim() || path.join(os.tmpdir(), 'vlmflow-models');
}

const loads = new Map<string, Promise<ModelFolder>>();

/** The model folder at `uri`, downloaded and verified once per process. */
export function loadModelFolder(uri: string, cacheDir = modelCacheDir()): Promise<ModelFolder> {
  assertAllowedUri(uri, 'model');
  const key = `${cacheDir}\0${folderKey(uri)}`;
  let load = loads.get(key);
  if (!load) {
    load = fetchVerified(uri, cacheDir);
    load.catch(() => loads.delete(key));
    loads.set(key, load);
  }
  return load;
}

/** Forgets loaded folders (tests); files on disk stay. */
export function forgetLoadedModelFolders(): void {
  loads.clear();
}

/** Local path of a file of the folder; throws unless SHA256SUMS lists (and so verified) it. */
export function modelFilePath(folder: ModelFolder, file: string): string {
  if (!folder.files.some((entry) => entry.path === file))
    throw new ModelError(`model file ${file} of ${folder.uri} is not listed in ${MANIFEST_FILE}`);
  return path.join(folder.dir, ...file.split('/'));
}

async function fetchVerified(uri: string, cacheDir: string): Promise<ModelFolder> {
  const manifestUri = joinUri(uri, MANIFEST_FILE);
  let manifestBytes: Buffer;
  try {
    manifestBytes = await storageFor(manifestUri).readBytes(manifestUri);
  } catch (error) {
    if (isNotFound(error))
      throw new ModelError(
        `model file ${MANIFEST_FILE} is missing from ${uri} (every model folder needs one: sha256sum output for every file)`,
      );
    throw error;
  }
  const files = parseManifest(manifestBytes.toString('utf8'), uri);
  const manifestSha256 = sha256(manifestBytes);
  const dir = path.join(
    cacheDir,
    `${sha256(folderKey(uri)).slice(0, 16)}-${manifestSha256.slice(0, 16)}`,
  );
  const folder: ModelFolder = { uri, dir, manifestSha256, files };
  if (await isVerified(dir, folder)) return folder;

  await removeLeftovers(cacheDir);
  const temp = `${dir}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await mkdir(temp, { recursive: true });
    const sizes = await Promise.all(files.map((entry) => download(uri, entry, temp)));
    await writeFile(path.join(temp, MANIFEST_FILE), manifestBytes);
    const marker: Marker = {
      manifestSha256,
      sizes: Object.fromEntries(files.map((entry, i) => [entry.path, sizes[i]!])),
    };
    await writeFile(path.join(temp, MARKER_FILE), JSON.stringify(marker));
    await cacheHooks.beforeReplace?.(dir, temp);
    await moveIntoPlace(temp, dir, folder);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return folder;
}

/** Test seam: runs after the temp folder is complete, just before it replaces `dir`. */
export const cacheHooks: { beforeReplace?: (dir: string, temp: string) => Promise<void> } = {};

/**
 * Renames the verified temp folder to `dir`. Another process sharing the cache (local
 * workers) may have put a verified copy there meanwhile, and may be reading it: then that copy
 * is used and never removed. A stale `dir` (unverified) is renamed aside and removed there,
 * so no process ever sees a folder half-deleted in place.
 */
async function moveIntoPlace(temp: string, dir: string, folder: ModelFolder): Promise<void> {
  if (await isVerified(dir, folder)) return;
  const stale = `${dir}.stale-${randomBytes(6).toString('hex')}`;
  const movedAside = await rename(dir, stale).then(
    () => true,
    (error: unknown) => {
      if (isNotFound(error)) return false;
      throw error;
    },
  );
  if (movedAside) await rm(stale, { recursive: true, force: true });
  await rename(temp, dir).catch(async (error: unknown) => {
    // Another process renamed its verified copy first: use that one.
    if (!(await isVerified(dir, folder))) throw error;
  });
}

/**
 * Leftovers older than this are dead: Lambda's longest invocation. (A folder's mtime moves
 * when its files are created, not while they are written, so a live download of a large model
 * can look minutes old.)
 */
export const LEFTOVER_AGE_MS = 15 * 60 * 1000;

/**
 * Removes `*.partial` and `*.stale-*` folders of the cache older than LEFTOVER_AGE_MS: a
 * Lambda killed mid-download (timeout, out of memory) leaves them in /tmp, which a warm
 * container keeps. Younger ones may belong to a live download of another process.
 */
async function removeLeftovers(cacheDir: string, now = Date.now()): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.endsWith('.partial') || /\.stale-[0-9a-f]+$/.test(name))
      .map(async (name) => {
        const target = path.join(cacheDir, name);
        const modified = await stat(target).then(
          (s) => s.mtimeMs,
          () => now,
        );
        if (now - modified > LEFTOVER_AGE_MS) await rm(target, { recursive: true, force: true });
      }),
  );
}

/** Streams one file into the temp folder, hashing on the way; returns its size. */
async function download(uri: string, entry: ManifestEntry, into: string): Promise<number> {
  const fileUri = joinUri(uri, entry.path);
  const target = path.join(into, ...entry.path.split('/'));
  await mkdir(path.dirname(target), { recursive: true });
  const hashing = new HashingStream();
  try {
    await pipeline(await storageFor(fileUri).read(fileUri), hashing, createWriteStream(target));
  } catch (error) {
    if (isNotFound(error))
      throw new ModelError(
        `model file ${entry.path} is missing from ${uri} (listed in ${MANIFEST_FILE})`,
      );
    throw new ModelError(`model file ${entry.path} of ${uri} could not be read: ${String(error)}`, {
      cause: error,
    });
  }
  const actual = hashing.sha256();
  if (actual !== entry.sha256)
    throw new ModelError(
      `model file ${entry.path} of ${uri} is corrupt: sha256 ${actual} does not match ${MANIFEST_FILE} (${entry.sha256})`,
    );
  return hashing.bytes;
}

/** The folder's marker names this SHA256SUMS and every listed file has its verified size. */
async function isVerified(dir: string, folder: ModelFolder): Promise<boolean> {
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(path.join(dir, MARKER_FILE), 'utf8')) as Marker;
  } catch {
    return false;
  }
  if (marker.manifestSha256 !== folder.manifestSha256) return false;
  for (const entry of folder.files) {
    const size = await stat(path.join(dir, ...entry.path.split('/'))).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== marker.sizes[entry.path]) return false;
  }
  return true;
}

/** One key per folder: `dir`, `dir/` and `file:///abs/dir` are the same model. */
function folderKey(uri: string): string {
  return normaliseUri(uri).replace(/\/+$/, '');
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
