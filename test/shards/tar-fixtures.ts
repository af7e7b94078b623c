/** Real tar archives for the codec tests, built with tar-stream (including the malformed ones). */
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import {
  readShard,
  type ReadShardOptions,
  type ShardRecord,
} from '../../lambdas/shards/tar-reader';

export interface TarMember {
  readonly name: string;
  readonly data?: string | Buffer;
  readonly type?: 'file' | 'symlink' | 'link' | 'directory' | 'fifo' | 'character-device';
  readonly linkname?: string;
  /** Forces a PAX header (needed for names a plain header cannot hold, e.g. with NUL). */
  readonly pax?: boolean;
}

export async function makeTar(members: readonly TarMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const member of members) {
    const type = member.type ?? 'file';
    const header = {
      name: member.name,
      type,
      mtime: new Date(0),
      ...(member.linkname === undefined ? {} : { linkname: member.linkname }),
      ...(member.pax ? { pax: {} } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, member.data ?? '', done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Feeds bytes in small chunks, as a network stream would. */
export function chunked(bytes: Buffer, chunkSize = 700): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
    })(),
    { objectMode: false },
  );
}

export async function readAll(
  bytes: Buffer | Readable,
  options?: ReadShardOptions,
): Promise<ShardRecord[]> {
  const records: ShardRecord[] = [];
  for await (const record of readShard(Buffer.isBuffer(bytes) ? chunked(bytes) : bytes, options))
    records.push(record);
  return records;
}

/** A record as plain data, for exact comparisons: parts shown as their text. */
export function describe(record: ShardRecord): Record<string, unknown> {
  if (record.kind === 'sample')
    return { sample: record.sample.key, parts: texts(record.sample.parts) };
  return {
    invalid: record.key,
    ...(record.rawKey === undefined ? {} : { rawKey: record.rawKey }),
    reason: record.reason,
    parts: texts(record.parts),
  };
}

function texts(parts: Readonly<Record<string, Buffer>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(parts).map(([ext, bytes]) => [ext, bytes.toString('utf8')]),
  );
}
