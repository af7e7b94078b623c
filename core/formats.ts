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
} as const;
export type SourceFormat = keyof typeof SOURCE_FORMATS;

export const DEFAULT_SOURCE_FORMAT: SourceFormat = 'webdataset';

/** The file extension a format's items usually carry: stripped from the shard key. */
export const FORMAT_EXTENSIONS: Readonly<Record<SourceFormat, string>> = {
  webdataset: '.tar',
  pdf: '.pdf',
  jsonl: '.jsonl',
};

export const DEFAULT_PATTERNS: Readonly<Record<SourceFormat, string>> = {
  webdataset: '*.tar',
  pdf: '*.pdf',
  jsonl: '*.jsonl',
};

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
  const parsed = pdfSourceOptions.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`pdf.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
