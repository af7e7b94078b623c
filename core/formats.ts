/**
 * Input formats of a source (docs/sources.md): how the files a source lists become samples.
 * Shared by the DSL (SourceNode), the compiler (ShardTask) and the shard handlers.
 */
import { z } from 'zod';

export const SOURCE_FORMATS = {
  /** WebDataset tar shards (the default). */
  webdataset: 'webdataset',
  /** One PDF file per item; one sample per page. */
  pdf: 'pdf',
  /** JSON lines of text-only instruction data; one sample per line. */
  jsonl: 'jsonl',
  /** Lists of image URLs (parquet, csv, JSON lines), downloaded first; items of N rows. */
  urls: 'urls',
  /** Parquet with embedded images (Hugging Face `datasets` layout); items of N rows. */
  parquet: 'parquet',
  /** A folder of images with `x.txt` / `x.json` beside `x.jpg`; items of N images. */
  folder: 'folder',
} as const;
export type SourceFormat = keyof typeof SOURCE_FORMATS;

export const DEFAULT_SOURCE_FORMAT: SourceFormat = 'webdataset';

/** The file extensions a format's items usually carry: stripped from the shard key. */
export const FORMAT_EXTENSIONS: Readonly<Record<SourceFormat, readonly string[]>> = {
  webdataset: ['.tar'],
  pdf: ['.pdf'],
  jsonl: ['.jsonl'],
  urls: ['.parquet', '.csv', '.jsonl'],
  parquet: ['.parquet'],
  folder: [],
};

export const DEFAULT_PATTERNS: Readonly<Record<SourceFormat, string>> = {
  webdataset: '*.tar',
  pdf: '*.pdf',
  jsonl: '*.jsonl',
  urls: '*.parquet',
  parquet: '*.parquet',
  /** Every file under the folder: captions and metadata sit beside the images. */
  folder: '**/*',
};

/** Formats whose files Plan splits into items of rows (or images, for folders). */
export const SPLIT_FORMATS: readonly SourceFormat[] = ['urls', 'parquet', 'folder'];

export const pdfSourceOptions = z
  .object({
    /** Rendering resolution. @default 144 */
    dpi: z.number().positive().max(1200).default(144),
    /** Longest edge of the page image, px; the DPI is lowered to fit. @default 1960 */
    longestEdge: z.number().int().min(16).max(16384).default(1960),
    /** Documents with more pages are rejected whole (`pdf:too_many_pages`). @default 2000 */
    maxPages: z.number().int().min(1).default(2000),
    /** Pages whose raster would exceed this many pixels are rejected (`pdf:page_too_large`). @default 40_000_000 */
    maxPixels: z.number().int().min(1).default(40_000_000),
    /** JPEG quality of the page image. @default 90 */
    quality: z.number().int().min(1).max(100).default(90),
  })
  .strict();

export type PdfSourceOptions = z.input<typeof pdfSourceOptions>;
export type ResolvedPdfOptions = z.output<typeof pdfSourceOptions>;

/** Defaults filled in; throws a readable message on a bad option (DSL and handler both call it). */
export function resolvePdfOptions(options: PdfSourceOptions | undefined): ResolvedPdfOptions {
  return resolveFormatOptions('pdf', options);
}

/**
 * `format: 'urls'` (docs/sources.md): lists of image URLs (parquet, csv or JSON lines, by file
 * extension) downloaded by the download function before the stage's operators run.
 */
export const urlsSourceOptions = z
  .object({
    /** Column holding the image URL (img2dataset's default). @default 'url' */
    urlColumn: z.string().min(1).default('url'),
    /** Column holding the caption, written as `txt`; absent values give no `txt`. @default 'caption' */
    captionColumn: z.string().min(1).default('caption'),
    /** Other columns copied into each sample's `json`. @default [] */
    keepColumns: z.array(z.string().min(1)).default([]),
    /** Rows per Map item (one download task each). @default 1000 */
    rowsPerItem: z.number().int().min(1).max(100_000).default(1000),
    /** Downloads in flight per item. @default 32 */
    concurrency: z.number().int().min(1).max(512).default(32),
    /** Per attempt, from connecting to the last byte, ms. @default 10_000 */
    timeoutMs: z.number().int().min(10).max(600_000).default(10_000),
    /** Further attempts after a transient failure (timeout, connection, HTTP 429/5xx). @default 2 */
    retries: z.number().int().min(0).max(10).default(2),
    /** First backoff, ms; doubled per retry, with jitter. @default 500 */
    backoffMs: z.number().int().min(0).max(60_000).default(500),
    /** Larger images are rejected as `too_large` without reading further. @default 32 MiB */
    maxBytes: z
      .number()
      .int()
      .min(1)
      .default(32 * 1024 * 1024),
    /** Redirects followed per URL. @default 5 */
    maxRedirects: z.number().int().min(0).max(20).default(5),
    /**
     * X-Robots-Tag directives that reject the row at download time (`robots_noai`), without
     * keeping the image. Empty by default: the header goes into `json.x_robots_tag` and the
     * `optout` operator decides, with its own reasons. img2dataset's list is
     * `['noai', 'noimageai', 'noindex', 'noimageindex']`. @default []
     */
    rejectDirectives: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type UrlsSourceOptions = z.input<typeof urlsSourceOptions>;
export type ResolvedUrlsOptions = z.output<typeof urlsSourceOptions>;

/** Defaults filled in; throws a readable message on a bad option (DSL and handler both call it). */
export function resolveUrlsOptions(options: UrlsSourceOptions | undefined): ResolvedUrlsOptions {
  return resolveFormatOptions('urls', options);
}

/** File types a URL list may have, by extension. */
export const URL_LIST_TYPES = ['parquet', 'csv', 'jsonl'] as const;
export type UrlListType = (typeof URL_LIST_TYPES)[number];

export function urlListTypeOf(uri: string): UrlListType | undefined {
  const ext = uri.slice(uri.lastIndexOf('.') + 1).toLowerCase();
  return (URL_LIST_TYPES as readonly string[]).includes(ext) ? (ext as UrlListType) : undefined;
}

/** `format: 'parquet'`: rows of a Hugging Face style parquet file with the image bytes in it. */
export const parquetSourceOptions = z
  .object({
    /** A struct with `bytes` (and `path`), as `datasets` writes an Image feature, or plain binary. @default 'image' */
    imageColumn: z.string().min(1).default('image'),
    /** The caption, written as `txt`. @default 'text' */
    captionColumn: z.string().min(1).default('text'),
    /** Other columns copied into each sample's `json`. @default [] */
    keepColumns: z.array(z.string().min(1)).default([]),
    /** Rows per Map item. @default 1000 */
    rowsPerItem: z.number().int().min(1).max(1_000_000).default(1000),
  })
  .strict();

/** `format: 'folder'`: `x.jpg` with `x.txt` and/or `x.json` beside it. */
export const folderSourceOptions = z
  .object({
    /** Images per Map item. @default 1000 */
    imagesPerItem: z.number().int().min(1).max(1_000_000).default(1000),
  })
  .strict();

export type ParquetSourceOptions = z.input<typeof parquetSourceOptions>;
export type FolderSourceOptions = z.input<typeof folderSourceOptions>;

/** Options of the formats that have them; each lives under the key named like its format. */
export const FORMAT_OPTIONS = {
  pdf: pdfSourceOptions,
  urls: urlsSourceOptions,
  parquet: parquetSourceOptions,
  folder: folderSourceOptions,
} as const;
export type FormatWithOptions = keyof typeof FORMAT_OPTIONS;
export type FormatOptions = {
  readonly [F in FormatWithOptions]?: z.input<(typeof FORMAT_OPTIONS)[F]>;
};

/** Defaults filled in; throws a readable message on a bad option (DSL and handlers both call it). */
export function resolveFormatOptions<F extends FormatWithOptions>(
  format: F,
  options: unknown,
): z.output<(typeof FORMAT_OPTIONS)[F]> {
  const parsed = FORMAT_OPTIONS[format].safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${format}.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data as z.output<(typeof FORMAT_OPTIONS)[F]>;
}

/** The format options an object carries (a source node, a Plan source, a ShardTask). */
export function formatOptionsOf(holder: FormatOptions): FormatOptions {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(FORMAT_OPTIONS) as FormatWithOptions[]) {
    if (holder[key] !== undefined) out[key] = holder[key];
  }
  return out as FormatOptions;
}

/** Options only for the source's own format, and valid ones; the message, or undefined. */
export function formatOptionsProblem(
  format: SourceFormat,
  holder: FormatOptions & { readonly pattern?: string },
): string | undefined {
  if (format === 'folder' && holder.pattern !== undefined && holder.pattern !== '**/*') {
    return 'a folder source reads every file under its uri (images and the captions beside them); "pattern" does not apply';
  }
  for (const key of Object.keys(formatOptionsOf(holder)) as FormatWithOptions[]) {
    if (key !== format) return `"${key}" options need format "${key}"`;
    try {
      resolveFormatOptions(key, holder[key]);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}

/** Rows (images, for folders) per Map item of a split format. */
export function itemSizeOf(format: SourceFormat, holder: FormatOptions): number | undefined {
  if (format === 'urls') return resolveFormatOptions('urls', holder.urls).rowsPerItem;
  if (format === 'parquet') return resolveFormatOptions('parquet', holder.parquet).rowsPerItem;
  if (format === 'folder') return resolveFormatOptions('folder', holder.folder).imagesPerItem;
  return undefined;
}
