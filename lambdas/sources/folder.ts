/**
 * A folder of images with their captions beside them (`x.jpg` + `x.txt` and/or `x.json`), as
 * samples: one per name stem (the path up to the first `.` of the file name, as WebDataset
 * groups members), in path order. Plan splits the stems into items of `imagesPerItem`; an item
 * reads stems [start, end). A stem with no image (`notes.md`, an orphan `x.txt`) is
 * `folder:no_image`; two images for one stem (`x.jpg` and `x.png`) is `folder:two_images`.
 */
import { storageFor } from '../shards/storage';
import { splitMemberName } from '../shards/member-names';
import type { RowRange } from '../download/url-list';
import type { SourceRecord } from './source-record';

export const FOLDER_REASONS = { no_image: 'no_image', two_images: 'two_images' } as const;
export type FolderReason = (typeof FOLDER_REASONS)[keyof typeof FOLDER_REASONS];

export const FOLDER_IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif'] as const;
const SIDECARS = ['txt', 'json'];
const READ_AHEAD = 8;

export interface FolderEntry {
  /** The stem relative to the folder: the sample key. */
  readonly key: string;
  /** Extension → file URI. */
  readonly files: Readonly<Record<string, string>>;
}

/** Every stem under the folder (a URI ending in `/`), sorted by key. */
export async function listFolderImages(base: string): Promise<FolderEntry[]> {
  const byKey = new Map<string, Record<string, string>>();
  for await (const object of storageFor(base).list(base)) {
    const relative = object.uri.slice(base.length);
    const split = splitMemberName(relative);
    const key = split.ok ? split.key : relative.replace(/\./g, '_');
    const files = byKey.get(key) ?? {};
    files[split.ok ? split.ext : ''] = object.uri;
    byKey.set(key, files);
  }
  return [...byKey.entries()]
    .map(([key, files]) => ({ key, files }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function* readFolderImages(
  base: string,
  range: RowRange,
): AsyncGenerator<SourceRecord> {
  const entries = (await listFolderImages(base)).slice(range.start, range.end);
  const pending: Promise<SourceRecord>[] = [];
  for (const entry of entries) {
    pending.push(recordOf(entry));
    if (pending.length >= READ_AHEAD) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}

async function recordOf(entry: FolderEntry): Promise<SourceRecord> {
  const exts = Object.keys(entry.files);
  const images = exts.filter((ext) => (FOLDER_IMAGE_EXTENSIONS as readonly string[]).includes(ext));
  const read = async (ext: string) => storageFor(entry.files[ext]!).readBytes(entry.files[ext]!);
  const sidecars: Record<string, Buffer> = {};
  for (const ext of SIDECARS) if (entry.files[ext]) sidecars[ext] = await read(ext);
  if (images.length !== 1) {
    const reason: FolderReason = images.length === 0 ? 'no_image' : 'two_images';
    const detail =
      images.length === 0
        ? `${entry.key}: no image beside ${exts.map((e) => `.${e}`).join(', ')}`
        : `${entry.key}: ${images.map((e) => `.${e}`).join(' and ')}; one image per name`;
    return { kind: 'invalid', op: 'folder', key: entry.key, reason, detail, parts: sidecars };
  }
  const image = images[0]!;
  return {
    kind: 'sample',
    sample: { key: entry.key, parts: { [image]: await read(image), ...sidecars } },
  };
}
