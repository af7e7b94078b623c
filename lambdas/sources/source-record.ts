/**
 * What every reader yields (a sample's members, or an invalid record with its reason) and the
 * helpers readers share. A leaf module: the readers import it, records.ts dispatches to them.
 */
import type { Readable } from 'node:stream';
import type { ShardRecord } from '../shards/sample-assembler';

/** An invalid record found by a non-tar reader; `op` is the reader (`pdf`, `download`, …). */
export interface InvalidSourceRecord {
  readonly kind: 'invalid';
  readonly op: 'pdf' | 'jsonl' | 'download' | 'folder' | 'parquet';
  readonly key: string;
  readonly rawKey?: string;
  readonly reason: string;
  readonly detail: string;
  readonly parts: Record<string, Buffer>;
}

export type SourceRecord = ShardRecord | InvalidSourceRecord;

export function keyStem(shardKey: string): string {
  return shardKey.replace(/\./g, '_');
}

export async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
