/**
 * Values of table rows (parquet, csv, JSON lines) as sample parts: one rule for captions and for
 * columns copied into `json`, whichever reader read them.
 */

/** A caption: text as it is, bytes as UTF-8, numbers as written; absent for null. */
export function textOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return String(value);
}

/** A value JSON can hold: INT64 columns come as bigint, binary ones as bytes (read as UTF-8). */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return value ?? null;
}
