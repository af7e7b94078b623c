/**
 * Rows of a URL list (parquet, csv or JSON lines, by extension), as img2dataset reads them:
 * one row = one image URL, a caption and any columns kept. Plan counts rows to split a list into
 * items; the download task reads one item's rows [start, end). Parquet is read with hyparquet
 * by range (footer, then the needed column chunks, 10,000 rows at a time); csv with csv-parse
 * and JSON lines with readline, both streaming.
 */
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { urlListTypeOf, type ResolvedUrlsOptions } from '../../core/formats';
import { storageFor } from '../shards/storage';
import { loadHyparquet, parquetFile } from './hyparquet';

export interface UrlRow {
  /** Index of the row in its file, from 0 (blank JSON lines are not rows). */
  readonly row: number;
  /** The row's values by column; a JSON line that is not an object is `{}` plus `error`. */
  readonly values: Readonly<Record<string, unknown>>;
  readonly error?: string;
}

export interface RowRange {
  readonly start: number;
  readonly end: number;
}

type Columns = Pick<ResolvedUrlsOptions, 'urlColumn' | 'captionColumn' | 'keepColumns'>;

const PARQUET_BATCH_ROWS = 10_000;

export function listTypeOrThrow(uri: string) {
  const type = urlListTypeOf(uri);
  if (!type) throw new Error(`${uri}: a URL list must end in .parquet, .csv or .jsonl`);
  return type;
}

export async function countUrlRows(uri: string): Promise<number> {
  const type = listTypeOrThrow(uri);
  if (type === 'parquet') {
    const { hyparquet } = loadHyparquet();
    const metadata = await hyparquet.parquetMetadataAsync(await parquetFile(uri));
    return Number(metadata.num_rows);
  }
  let rows = 0;
  for await (const row of textRows(uri, type, { start: 0, end: Infinity })) rows = row.row + 1;
  return rows;
}

export async function* readUrlRows(
  uri: string,
  columns: Columns,
  range: RowRange,
): AsyncGenerator<UrlRow> {
  const type = listTypeOrThrow(uri);
  if (type !== 'parquet') {
    yield* textRows(uri, type, range);
    return;
  }
  const { hyparquet, compressors } = loadHyparquet();
  const file = await parquetFile(uri);
  const metadata = await hyparquet.parquetMetadataAsync(file);
  const present = new Set(hyparquet.parquetSchema(metadata).children.map((c) => c.element.name));
  if (!present.has(columns.urlColumn)) {
    throw new Error(
      `${uri}: no column "${columns.urlColumn}" (columns: ${[...present].join(', ')}); set urls.urlColumn`,
    );
  }
  const wanted = [columns.urlColumn, columns.captionColumn, ...columns.keepColumns].filter((c) =>
    present.has(c),
  );
  const end = Math.min(range.end, Number(metadata.num_rows));
  for (let from = range.start; from < end; from += PARQUET_BATCH_ROWS) {
    const to = Math.min(end, from + PARQUET_BATCH_ROWS);
    const rows = await hyparquet.parquetReadObjects({
      file,
      metadata,
      columns: [...new Set(wanted)],
      rowStart: from,
      rowEnd: to,
      compressors,
    });
    for (const [i, values] of rows.entries()) yield { row: from + i, values };
  }
}

async function* textRows(
  uri: string,
  type: 'csv' | 'jsonl',
  range: RowRange,
): AsyncGenerator<UrlRow> {
  const input = await storageFor(uri).read(uri);
  try {
    const records =
      type === 'csv'
        ? input.pipe(
            parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }),
          )
        : jsonRecords(input);
    let row = 0;
    for await (const record of records as AsyncIterable<UrlRow['values'] | UrlRow>) {
      if (row >= range.end) break;
      if (row >= range.start) {
        yield type === 'csv'
          ? { row, values: record as UrlRow['values'] }
          : { ...(record as UrlRow), row };
      }
      row++;
    }
  } finally {
    input.destroy();
  }
}

async function* jsonRecords(input: NodeJS.ReadableStream): AsyncGenerator<UrlRow> {
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim().length === 0) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        yield { row: 0, values: value as Record<string, unknown> };
      } else yield { row: 0, values: {}, error: 'the line is JSON but not an object' };
    } catch (error) {
      yield { row: 0, values: {}, error: `not JSON: ${(error as Error).message}` };
    }
  }
}
