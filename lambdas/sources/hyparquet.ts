/**
 * hyparquet (a maintained pure-JavaScript parquet reader, no native code) with every codec of
 * hyparquet-compressors (snappy, gzip, brotli, zstd, lz4), over any storage URI by range reads.
 * Both packages ship only ES modules (see runtime/esm.ts for how they load). Used for URL lists
 * (download/url-list.ts) and for images embedded in parquet (parquet-images.ts).
 */
import type * as Hyparquet from 'hyparquet';
import type { AsyncBuffer } from 'hyparquet';
import type * as Compressors from 'hyparquet-compressors';
import { loadEsModuleWithNode } from '../runtime/esm';
import { storageFor } from '../shards/storage';

let loaded:
  { hyparquet: typeof Hyparquet; compressors: typeof Compressors.compressors } | undefined;

export function loadHyparquet(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  let hyparquet: typeof Hyparquet;
  let compressors: typeof Compressors;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ES module, loaded synchronously
    hyparquet = require('hyparquet') as typeof Hyparquet;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ES module, loaded synchronously
    compressors = require('hyparquet-compressors') as typeof Compressors;
  } catch {
    hyparquet = loadEsModuleWithNode(require.resolve('hyparquet'));
    compressors = loadEsModuleWithNode(require.resolve('hyparquet-compressors'));
  }
  loaded = { hyparquet, compressors: compressors.compressors };
  return loaded;
}

/** The file as hyparquet's random-access buffer: footer and column chunks read by range. */
export async function parquetFile(uri: string): Promise<AsyncBuffer> {
  const storage = storageFor(uri);
  const byteLength = await storage.size(uri);
  const file: AsyncBuffer = {
    byteLength,
    slice: async (start, end) => {
      const bytes = await storage.readRange(uri, start, end ?? byteLength);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    },
  };
  return loadHyparquet().hyparquet.cachedAsyncBuffer(file);
}

const BATCH_ROWS = 10_000;

export interface ParquetRow {
  /** Index of the row in its file, from 0. */
  readonly row: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Rows [start, end) of a parquet file, the columns asked for that exist (the `required` one
 * must, or the error names the columns there are), 10,000 rows at a time. Binary columns come
 * as Uint8Array (hyparquet's `utf8: false`); UTF8-annotated ones as strings.
 */
export async function* readParquetRows(
  uri: string,
  columns: readonly string[],
  required: { readonly column: string; readonly option: string },
  range: { readonly start: number; readonly end: number },
): AsyncGenerator<ParquetRow> {
  const { hyparquet, compressors } = loadHyparquet();
  const file = await parquetFile(uri);
  const metadata = await hyparquet.parquetMetadataAsync(file);
  const present = new Set(hyparquet.parquetSchema(metadata).children.map((c) => c.element.name));
  if (!present.has(required.column)) {
    throw new Error(
      `${uri}: no column "${required.column}" (columns: ${[...present].join(', ')}); set ${required.option}`,
    );
  }
  const wanted = [...new Set(columns.filter((c) => present.has(c)))];
  const end = Math.min(range.end, Number(metadata.num_rows));
  for (let from = range.start; from < end; from += BATCH_ROWS) {
    const to = Math.min(end, from + BATCH_ROWS);
    const rows = await hyparquet.parquetReadObjects({
      file,
      metadata,
      columns: wanted,
      rowStart: from,
      rowEnd: to,
      compressors,
      utf8: false,
    });
    for (const [i, values] of rows.entries()) yield { row: from + i, values };
  }
}

export async function parquetRowCount(uri: string): Promise<number> {
  const { hyparquet } = loadHyparquet();
  return Number((await hyparquet.parquetMetadataAsync(await parquetFile(uri))).num_rows);
}
