import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import * as tar from 'tar-stream';
import type { Sample } from '../../core/ops/sample';
import { FileStorage } from '../../lambdas/shards/file-storage';
import type { Storage } from '../../lambdas/shards/storage';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';
import { makeTar, readAll } from './tar-fixtures';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeShard(
  name: string,
  samples: readonly Sample[],
): Promise<{ uri: string; bytes: Buffer }> {
  const writer = new ShardWriter(toFileUri(path.join(dir, name)));
  for (const sample of samples) await writer.add(sample);
  const written = await writer.close();
  return { uri: written.uri, bytes: await readFile(path.join(dir, name)) };
}

async function headersOf(bytes: Buffer): Promise<tar.Header[]> {
  const headers: tar.Header[] = [];
  const extract = tar.extract();
  Readable.from([bytes]).pipe(extract);
  for await (const entry of extract) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

const image = (r: number): Promise<Buffer> =>
  sharp({ create: { width: 32, height: 24, channels: 3, background: { r, g: 40, b: 90 } } })
    .png()
    .toBuffer();

describe('ShardWriter', () => {
  it('round-trips samples through readShard and reports count, size and sha256', async () => {
    const samples: Sample[] = [
      {
        key: 'a/b/000001',
        parts: {
          png: await image(10),
          txt: Buffer.from('a red-ish square'),
          json: Buffer.from('{"w":32}'),
        },
      },
      { key: 'a/b/000002', parts: { png: await image(200), 'seg.png': await image(0) } },
      {
        key: 'x'.repeat(150),
        parts: { txt: Buffer.from('a key longer than a plain tar header holds') },
      },
      { key: 'empty-part', parts: { txt: Buffer.alloc(0) } },
    ];
    const writer = new ShardWriter(toFileUri(path.join(dir, 'shard.tar')));
    for (const sample of samples) await writer.add(sample);
    const written = await writer.close();
    const bytes = await readFile(path.join(dir, 'shard.tar'));
    expect(written).toEqual({
      uri: `file://${dir}/shard.tar`,
      samples: 4,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const records = await readAll(bytes);
    expect(records).toEqual(samples.map((sample) => ({ kind: 'sample', sample })));
  });

  it('writes the same bytes for the same samples: sorted members, fixed owner, time and mode', async () => {
    const sample: Sample = {
      key: 'k',
      parts: { txt: Buffer.from('t'), json: Buffer.from('{}'), jpg: Buffer.from('j') },
    };
    const first = await writeShard('one.tar', [sample]);
    const second = await writeShard('two.tar', [
      {
        key: 'k',
        parts: { jpg: Buffer.from('j'), txt: Buffer.from('t'), json: Buffer.from('{}') },
      },
    ]);
    expect(first.bytes.equals(second.bytes)).toBe(true);
    const headers = await headersOf(first.bytes);
    expect(headers.map((h) => h.name)).toEqual(['k.jpg', 'k.json', 'k.txt']);
    for (const header of headers) {
      expect(header).toMatchObject({
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      });
      expect(header.mtime.getTime()).toBe(0);
    }
  });

  it('writes an empty shard as a valid empty tar', async () => {
    const { bytes } = await writeShard('empty.tar', []);
    expect(bytes.equals(Buffer.alloc(1024))).toBe(true);
    expect(await readAll(bytes)).toEqual([]);
  });

  it.each([
    ['../escape', /unsafe sample key/],
    ['/absolute', /unsafe sample key/],
    ['a\\b', /unsafe sample key/],
    ['a/./b', /unsafe sample key/],
    ['', /unsafe sample key/],
    ['dot.in.name', /cannot contain "\."/],
  ])('refuses the key %j', async (key, message) => {
    const writer = new ShardWriter(toFileUri(path.join(dir, 'bad.tar')));
    await expect(writer.add({ key, parts: { txt: Buffer.from('x') } })).rejects.toThrow(message);
    await writer.abort();
  });

  it('refuses bad extensions, empty samples and a key written twice', async () => {
    const writer = new ShardWriter(toFileUri(path.join(dir, 'bad.tar')));
    await expect(writer.add({ key: 'k', parts: { JPG: Buffer.from('x') } })).rejects.toThrow(
      /not lower-case/,
    );
    await expect(writer.add({ key: 'k', parts: { 'a/b': Buffer.from('x') } })).rejects.toThrow(
      /path separator/,
    );
    await expect(writer.add({ key: 'k', parts: { '.jpg': Buffer.from('x') } })).rejects.toThrow(
      /empty "\." part/,
    );
    await expect(writer.add({ key: 'k', parts: {} })).rejects.toThrow(/no parts/);
    await writer.add({ key: 'k', parts: { txt: Buffer.from('x') } });
    await expect(writer.add({ key: 'k', parts: { json: Buffer.from('{}') } })).rejects.toThrow(
      /written twice/,
    );
    expect((await writer.close()).samples).toBe(1);
  });

  it('abort() leaves nothing behind', async () => {
    const writer = new ShardWriter(toFileUri(path.join(dir, 'aborted.tar')));
    await writer.add({ key: 'k', parts: { txt: Buffer.from('x'.repeat(100_000)) } });
    await writer.abort();
    expect(await readdir(dir)).toEqual([]);
    await expect(writer.add({ key: 'j', parts: { txt: Buffer.from('x') } })).rejects.toThrow(
      /aborted/,
    );
  });

  it('fails add() and close() when storage fails, instead of hanging', async () => {
    const failing: Storage = Object.assign(Object.create(FileStorage.prototype) as FileStorage, {
      write: async (_uri: string, body: Readable) => {
        body.resume();
        throw new Error('bucket is gone');
      },
    });
    const writer = new ShardWriter('s3://bucket/shard.tar', failing);
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    const adds = [0, 1, 2, 3].map((i) => writer.add({ key: `k${i}`, parts: { bin: big } }));
    await expect(Promise.all(adds)).rejects.toThrow('bucket is gone');
    await expect(writer.close()).rejects.toThrow('bucket is gone');
  });

  it('can write back every record the reader yields, invalid ones included', async () => {
    const malformed = await makeTar([
      { name: '../evil.jpg', data: 'x' },
      { name: 'README', data: 'docs' },
      { name: 'a.jpg', data: 'A' },
      { name: 'b.jpg', data: 'B' },
      { name: 'a.txt', data: 'again' },
      { name: 'a.json', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'c.jpg', data: 'C' },
    ]);
    // `a` comes back after `b`: read regrouped. Cut before c.jpg: the samples read so far, then
    // the failure as a record of its own.
    const truncated = malformed.subarray(0, malformed.length - 1024 - 700);
    const regroup = { regroupMaxBytes: 1024 * 1024 };
    const shards = [await readAll(malformed, regroup), await readAll(truncated, regroup)];
    expect(
      shards.map((records) => records.map((r) => (r.kind === 'sample' ? r.sample.key : r.reason))),
    ).toEqual([
      ['unsafe_name', 'no_extension', 'not_a_file', 'b', 'c'],
      ['unsafe_name', 'no_extension', 'not_a_file', 'b', 'truncated'],
    ]);
    // What a stage does with a shard's records: samples to one shard, invalid ones to rejects.
    for (const [index, records] of shards.entries()) {
      const kept = new ShardWriter(toFileUri(path.join(dir, `kept-${index}.tar`)));
      const rejects = new ShardWriter(toFileUri(path.join(dir, `rejects-${index}.tar`)));
      for (const record of records) {
        if (record.kind === 'sample') await kept.add(record.sample);
        else
          await rejects.add({
            key: record.key,
            parts: {
              ...record.parts,
              json: Buffer.from(JSON.stringify({ reason: record.reason })),
            },
          });
      }
      await kept.close();
      await rejects.close();
    }
    const rejectsBack = await readAll(await readFile(path.join(dir, 'rejects-0.tar')));
    expect(rejectsBack.map((r) => r.kind === 'sample' && r.sample.key)).toEqual([
      '_invalid/000001',
      '_invalid/000002',
      'a',
    ]);
  });
});
