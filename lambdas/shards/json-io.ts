/**
 * Small JSON documents (manifests, stats, summaries) on any storage. Written with sorted keys,
 * two-space indent and a trailing newline, so equal values always give equal bytes.
 */
import { parseJsonSafe } from './safe-json';
import { storageFor, type WriteOptions, type WriteResult } from './storage';

export async function readJson<T = unknown>(
  uri: string,
  parse?: (value: unknown) => T,
): Promise<T> {
  const bytes = await storageFor(uri).readBytes(uri);
  let value: unknown;
  try {
    value = parseJsonSafe(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`invalid JSON in ${uri}: ${(err as Error).message}`, { cause: err });
  }
  return parse ? parse(value) : (value as T);
}

export async function writeJson(
  uri: string,
  value: unknown,
  options?: WriteOptions,
): Promise<WriteResult> {
  return storageFor(uri).write(uri, stableJson(value), options);
}

/** JSON with object keys sorted at every level; refuses values JSON cannot represent faithfully. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value, '$'), null, 2)}\n`;
}

function sortKeys(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as JSON at ${where}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => sortKeys(item, `${where}[${i}]`));
  if (typeof value === 'object') {
    const toJson = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJson === 'function') return sortKeys(toJson.call(value), where);
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item, `${where}.${key}`);
    }
    return sorted;
  }
  throw new Error(`cannot write a ${typeof value} as JSON at ${where}`);
}
