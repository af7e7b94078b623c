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
import { parquetRowCount, readParquetRows } from '../sources/hyparquet';

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

export function listTypeOrThrow(uri: string) {
  const type = urlListTypeOf(uri);
  if (!type) throw new Error(`${uri}: a URL list must end in .parquet, .csv or .jsonl`);
  return type;
}

export async function countUrlRows(uri: string): Promise<number> {
  const type = listTypeOrThrow(uri);
  if (type === 'parquet') return parquetRowCount(uri);
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
  const names = [columns.urlColumn, columns.captionColumn, ...columns.keepColumns];
  for await (const { row, values } of readParquetRows(
    uri,
    names,
    { column: columns.urlColumn, option: 'urls.urlColumn' },
    range,
  )) {
    yield { row, values: textValues(values) };
  }
}

/** URL lists hold text: binary columns without a UTF8 annotation are decoded as UTF-8. */
function textValues(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
    ]),
  );
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
