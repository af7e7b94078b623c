/**
 * Parquet with the images in it, as Hugging Face `datasets` writes an Image feature (a struct of
 * `bytes` and `path`; plain binary columns work too) beside a text column: one sample per row,
 * the image under the extension its bytes show, `txt` = the caption, `json` = kept columns and
 * the image's `path`. A row without image bytes is `parquet:no_image`; bytes that are not JPEG,
 * PNG, WebP or GIF are `parquet:not_an_image`.
 */
import { resolveFormatOptions, type FormatOptions } from '../../core/formats';
import { sniffFormat } from '../ops/image-header';
import { jsonValue, textOf } from './column-values';
import { readParquetRows } from './hyparquet';
import type { SourceRecord } from './source-record';

export const PARQUET_REASONS = { no_image: 'no_image', not_an_image: 'not_an_image' } as const;
export type ParquetReason = (typeof PARQUET_REASONS)[keyof typeof PARQUET_REASONS];

/** Extension of a sample's image part, by the format its bytes show. */
export const IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
};

export async function* readParquetImages(
  uri: string,
  keyStem: string,
  options: FormatOptions['parquet'],
  range: { readonly start: number; readonly end: number },
): AsyncGenerator<SourceRecord> {
  const o = resolveFormatOptions('parquet', options);
  const columns = [o.imageColumn, o.captionColumn, ...o.keepColumns];
  const required = { column: o.imageColumn, option: 'parquet.imageColumn' };
  for await (const { row, values } of readParquetRows(uri, columns, required, range)) {
    const key = `${keyStem}-r${String(row).padStart(9, '0')}`;
    const { bytes, path } = imageOf(values[o.imageColumn]);
    const caption = textOf(values[o.captionColumn]);
    const json = {
      ...Object.fromEntries(o.keepColumns.map((c) => [c, jsonValue(values[c])])),
      ...(path === undefined ? {} : { path }),
      row,
    };
    const parts: Record<string, Buffer> = {
      ...(caption === undefined ? {} : { txt: Buffer.from(caption) }),
      json: Buffer.from(JSON.stringify(json)),
    };
    const reject = (reason: ParquetReason, detail: string): SourceRecord => ({
      kind: 'invalid',
      op: 'parquet',
      key,
      reason,
      detail,
      parts,
    });
    if (!bytes || bytes.length === 0) {
      yield reject('no_image', `row ${row}: no bytes in column "${o.imageColumn}"`);
      continue;
    }
    const ext = IMAGE_EXTENSIONS[sniffFormat(bytes) ?? ''];
    if (!ext) {
      yield reject(
        'not_an_image',
        `row ${row}: ${bytes.length} bytes that are not JPEG, PNG, WebP or GIF`,
      );
      continue;
    }
    yield { kind: 'sample', sample: { key, parts: { [ext]: bytes, ...parts } } };
  }
}

function imageOf(value: unknown): { bytes?: Buffer; path?: string } {
  if (value instanceof Uint8Array)
    return { bytes: Buffer.from(value.buffer, value.byteOffset, value.length) };
  if (value === null || typeof value !== 'object') return {};
  const { bytes, path } = value as { bytes?: unknown; path?: unknown };
  return {
    ...(bytes instanceof Uint8Array
      ? { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) }
      : {}),
    ...(typeof path === 'string'
      ? { path }
      : path instanceof Uint8Array
        ? { path: Buffer.from(path).toString('utf8') }
        : {}),
  };
}
