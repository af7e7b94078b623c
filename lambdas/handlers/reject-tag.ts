/**
 * How a rejected sample is written to the rejects shard: every original part kept, and its
 * `json` member carrying `"reject": {op, reason, detail}` so the reason travels with the sample.
 */
import type { Sample } from '../../core/ops/sample';
import { parseJsonObject } from '../shards/safe-json';

export interface RejectTag {
  readonly op: string;
  readonly reason: string;
  readonly detail?: string;
  /** The key found in the tar, when the sample had to be written under a stand-in key. */
  readonly key?: string;
}

/**
 * Member that keeps an original `json` which could not carry the tag (not an object, not JSON,
 * or holding keys that could reach a prototype: those bytes are kept as they came, unparsed).
 */
export const ORIGINAL_JSON_EXT = 'orig.json';

export function tagRejected(sample: Sample, tag: RejectTag): Sample {
  const reject = Object.fromEntries(Object.entries(tag).filter(([, value]) => value !== undefined));
  const original = sample.parts.json;
  const parsed = original === undefined ? undefined : parseJsonObject(original.toString('utf8'));
  const parts: Record<string, Buffer> = { ...sample.parts };
  if (parsed) {
    parts.json = Buffer.from(JSON.stringify({ ...parsed, reject }));
  } else {
    parts.json = Buffer.from(JSON.stringify({ reject }));
    if (original !== undefined) parts[ORIGINAL_JSON_EXT] = original;
  }
  return { key: sample.key, parts };
}
