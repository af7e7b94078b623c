/**
 * S3Storage against a real S3-compatible server: the fauxqs server that test/global-setup.ts
 * starts, or whatever VLMFLOW_TEST_S3_ENDPOINT names. Without a server these tests fail.
 */
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isNotFound } from '../../lambdas/shards/not-found';
import { S3Storage, s3ClientConfig } from '../../lambdas/shards/s3-storage';
import { readShard } from '../../lambdas/shards/tar-reader';
import { ShardWriter } from '../../lambdas/shards/tar-writer';

const MiB = 1024 * 1024;
const bucket = `vlmflow-test-${process.pid}-${Date.now()}`;
let endpoint: string;
let client: S3Client;
let listCalls = 0;

function s3Endpoint(): string {
  const found = process.env.VLMFLOW_TEST_S3_ENDPOINT;
  if (found) return found;
  throw new Error(
    `no S3-compatible server for the storage tests: ${process.env.VLMFLOW_TEST_S3_ERROR ?? 'VLMFLOW_TEST_S3_ENDPOINT is not set'}. ` +
      'test/global-setup.ts starts fauxqs (node_modules/fauxqs) unless VLMFLOW_TEST_S3_ENDPOINT names a server.',
  );
}

beforeAll(async () => {
  endpoint = s3Endpoint();
  client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsV2Command') listCalls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countListCalls' },
  );
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(() => client?.destroy());

/** 12 MiB of varied bytes, produced in 64 KiB chunks and never held whole. */
function bigStream(totalBytes: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(64 * 1024);
  const stream = Readable.from(
    (function* () {
      for (let offset = 0; offset < totalBytes; offset += chunk.length) {
        for (let i = 0; i < chunk.length; i += 4)
          chunk.writeUInt32LE(((offset + i) * 2654435761) >>> 0, i);
        const piece = Buffer.from(chunk.subarray(0, Math.min(chunk.length, totalBytes - offset)));
        hash.update(piece);
        yield piece;
      }
    })(),
    { objectMode: false },
  );
  return { stream, sha256: () => hash.digest('hex') };
}

describe('S3Storage against a real S3-compatible server', () => {
  it('streams a >10 MB object up in several parts, with the right size and sha256', async () => {
    const storage = new S3Storage({ client, partSize: 5 * MiB, queueSize: 2 });
    const source = bigStream(12 * MiB + 123);
    const result = await storage.write(`s3://${bucket}/big/object.bin`, source.stream);
    const expectedSha = source.sha256();
    expect(result).toEqual({
      uri: `s3://${bucket}/big/object.bin`,
      bytes: 12 * MiB + 123,
      sha256: expectedSha,
    });
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'big/object.bin' }),
    );
    expect(head.ETag).toMatch(/-3"?$/); // a multipart ETag: md5 of the part md5s, then the part count
    const back = await storage.readBytes(`s3://${bucket}/big/object.bin`);
    expect(createHash('sha256').update(back).digest('hex')).toBe(expectedSha);
    const streamed = createHash('sha256');
    for await (const piece of await storage.read(`s3://${bucket}/big/object.bin`))
      streamed.update(piece as Buffer);
    expect(streamed.digest('hex')).toBe(expectedSha);
  });

  it('lists every key under a prefix, in order, across pages', async () => {
    const storage = new S3Storage({ client, listPageSize: 7 });
    const names = Array.from(
      { length: 30 },
      (_, i) => `list/item-${String(i).padStart(3, '0')}.json`,
    );
    await Promise.all(
      names.map((name) => storage.write(`s3://${bucket}/${name}`, `{"i":"${name}"}`)),
    );
    await storage.write(`s3://${bucket}/listing-not-included.json`, '{}');
    listCalls = 0;
    const listed: string[] = [];
    for await (const object of storage.list(`s3://${bucket}/list/`)) listed.push(object.uri);
    expect(listed).toEqual(names.map((name) => `s3://${bucket}/${name}`));
    expect(listCalls).toBe(5);
  });

  it('reads byte ranges and sizes (parquet sources read footers and column chunks so)', async () => {
    const storage = new S3Storage({ client });
    const uri = `s3://${bucket}/ranged.bin`;
    await storage.write(uri, 'abcdefghij');
    expect(await storage.size(uri)).toBe(10);
    expect((await storage.readRange(uri, 2, 5)).toString()).toBe('cde');
    expect((await storage.readRange(uri, 7, 10)).toString()).toBe('hij');
    expect((await storage.readRange(uri, 4, 4)).length).toBe(0);
    const missing = await storage.size(`s3://${bucket}/no-such.bin`).catch((err: unknown) => err);
    expect(isNotFound(missing)).toBe(true);
  });

  it('reports missing objects as not found, and deletes', async () => {
    const storage = new S3Storage({ client });
    const uri = `s3://${bucket}/gone.json`;
    expect(await storage.exists(uri)).toBe(false);
    for (const attempt of [storage.read(uri), storage.readBytes(uri)]) {
      const error: unknown = await attempt.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isNotFound(error)).toBe(true);
      expect(String(error)).toContain(`not found: ${uri}`);
    }
    await storage.write(uri, 'here');
    expect(await storage.exists(uri)).toBe(true);
    await storage.delete(uri);
    expect(await storage.exists(uri)).toBe(false);
  });

  it('leaves no object behind when the source fails during a multipart upload', async () => {
    const storage = new S3Storage({ client, partSize: 5 * MiB });
    const uri = `s3://${bucket}/failed/object.bin`;
    const failing = Readable.from(
      (function* () {
        for (let i = 0; i < 7; i++) yield Buffer.alloc(MiB, i);
        throw new Error('source broke');
      })(),
      { objectMode: false },
    );
    await expect(storage.write(uri, failing)).rejects.toThrow('source broke');
    expect(await storage.exists(uri)).toBe(false);
  });

  it('uses AWS_ENDPOINT_URL_S3 from the environment (the SDK reads it; we add path style)', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      });
      delete process.env.AWS_REGION;
      delete process.env.AWS_DEFAULT_REGION;
      expect(s3ClientConfig()).toMatchObject({ forcePathStyle: true, region: 'us-east-1' });
      const storage = new S3Storage();
      await storage.write(`s3://${bucket}/env/hello.txt`, 'via env');
      expect((await storage.readBytes(`s3://${bucket}/env/hello.txt`)).toString()).toBe('via env');
    } finally {
      process.env = saved;
    }
    expect(s3ClientConfig({})).toEqual({});
  });

  it('writes a shard with ShardWriter and reads it back with readShard', async () => {
    const storage = new S3Storage({ client });
    const uri = `s3://${bucket}/shards/000000.tar`;
    const writer = new ShardWriter(uri, storage);
    for (let i = 0; i < 20; i++)
      await writer.add({
        key: `s${i}`,
        parts: { txt: Buffer.from(`caption ${i}`), bin: Buffer.alloc(10_000, i) },
      });
    const written = await writer.close();
    expect(written).toMatchObject({ uri, samples: 20 });
    const keys: string[] = [];
    for await (const record of readShard(await storage.read(uri)))
      keys.push(record.kind === 'sample' ? record.sample.key : record.reason);
    expect(keys).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`));
  });

  // fauxqs takes the x-amz-tagging header but keeps no tags (GetObjectTagging is unsupported):
  // the stored tags are checked against moto in s3-tagging.test.ts.
  it('accepts tags on single-part and multi-part writes', async () => {
    const storage = new S3Storage({ client, partSize: 5 * MiB, queueSize: 2 });
    const tags = { 'vlmflow:kind': 'rejects' };
    const big = bigStream(11 * MiB);
    const multi = await storage.write(`s3://${bucket}/runs/p/r/rejects/big.tar`, big.stream, {
      tags,
    });
    const single = await storage.write(`s3://${bucket}/runs/p/r/rejects/small.tar`, 'abc', {
      tags,
    });
    expect(multi.sha256).toBe(big.sha256());
    expect((await storage.readBytes(multi.uri)).length).toBe(11 * MiB);
    expect((await storage.readBytes(single.uri)).toString()).toBe('abc');
  });
});
