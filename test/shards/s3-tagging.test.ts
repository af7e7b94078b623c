/**
 * Object tags on S3 writes (the lifecycle rules' `vlmflow:kind`). fauxqs, the server the other
 * S3 tests use, accepts `x-amz-tagging` but does not store tags (its README: "tagging … not
 * supported"; GetObjectTagging answers with the object), so the request is checked at the SDK
 * boundary with aws-sdk-client-mock, and the stored tags against moto server when moto is
 * installed (`pip install 'moto[server]'`; .ci/run installs it).
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { encodeTagging, S3Storage } from '../../lambdas/shards/s3-storage';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { motoInstalled, startMoto, type MotoServer } from '../helpers/moto';

const MiB = 1024 * 1024;
const KIND = { 'vlmflow:kind': 'rejects' } as const;

/** Bytes in 1 MiB chunks, so the Upload sees a stream of unknown length. */
function streamOf(bytes: number): Readable {
  return Readable.from(
    (function* () {
      for (let done = 0; done < bytes; done += MiB) yield Buffer.alloc(Math.min(MiB, bytes - done));
    })(),
  );
}

describe('encodeTagging', () => {
  it('percent-encodes keys and values and joins them with &', () => {
    expect(encodeTagging(KIND)).toBe('vlmflow%3Akind=rejects');
    expect(encodeTagging({ 'a b': 'x+y=z/w', c: '' })).toBe('a%20b=x%2By%3Dz%2Fw&c=');
    // S3 refuses `&` in tags (InvalidTag): refused before the request.
    expect(() => encodeTagging({ a: 'x&y' })).toThrow('is not a valid S3 object tag value');
  });

  it('gives nothing for no tags and refuses more than S3 allows', () => {
    expect(encodeTagging({})).toBeUndefined();
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(() => encodeTagging(eleven)).toThrow('an S3 object takes at most 10 tags, got 11');
  });
});

describe('S3Storage.write with tags, at the SDK boundary', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
    s3.on(CompleteMultipartUploadCommand).resolves({});
  });
  afterAll(() => s3.restore());

  it('sends the tags with a single-part PutObject', async () => {
    await new S3Storage({ client }).write('s3://b/runs/p/r/rejects/s/x.tar', 'abc', {
      tags: KIND,
    });
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Tagging)).toEqual([
      'vlmflow%3Akind=rejects',
    ]);
  });

  it('sends the tags with CreateMultipartUpload for a multi-part object', async () => {
    const storage = new S3Storage({ client, partSize: 5 * MiB, queueSize: 1 });
    await storage.write('s3://b/runs/p/r/tmp/s/0/x.tar', streamOf(11 * MiB), {
      tags: { 'vlmflow:kind': 'tmp' },
    });
    const created = s3.commandCalls(CreateMultipartUploadCommand).map((c) => c.args[0].input);
    expect(created).toEqual([
      expect.objectContaining({ Key: 'runs/p/r/tmp/s/0/x.tar', Tagging: 'vlmflow%3Akind=tmp' }),
    ]);
    expect(s3.commandCalls(UploadPartCommand)).toHaveLength(3);
  });

  it('sends no Tagging without tags, and ShardWriter passes its tags on', async () => {
    await new S3Storage({ client }).write('s3://b/runs/p/r/stages/s/x.tar', 'abc');
    const writer = new ShardWriter('s3://b/runs/p/r/rejects/s/y.tar', new S3Storage({ client }), {
      tags: KIND,
    });
    await writer.add({ key: 'a', parts: { txt: Buffer.from('hi') } });
    await writer.close();
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Tagging)).toEqual([
      undefined,
      'vlmflow%3Akind=rejects',
    ]);
  });
});

(motoInstalled ? describe : describe.skip)('S3Storage.write with tags, against moto', () => {
  let moto: MotoServer | undefined;
  let client: S3Client;
  const tagsOf = async (Key: string) =>
    (await client.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key }))).TagSet;

  beforeAll(async () => {
    moto = await startMoto();
    client = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await client.send(new CreateBucketCommand({ Bucket: 'tags' }));
  }, 30_000);

  afterAll(() => {
    client?.destroy();
    moto?.stop();
  });

  it('stores the tags of a single-part and of a multi-part object', async () => {
    const storage = new S3Storage({ client, partSize: 5 * MiB, queueSize: 1 });
    await storage.write('s3://tags/runs/p/r/manifests/s.json', '[]', {
      tags: { 'vlmflow:kind': 'manifest' },
    });
    await storage.write('s3://tags/runs/p/r/rejects/s/x.tar', streamOf(11 * MiB), { tags: KIND });
    await storage.write('s3://tags/runs/p/r/stages/s/x.tar', 'kept');
    expect(await tagsOf('runs/p/r/manifests/s.json')).toEqual([
      { Key: 'vlmflow:kind', Value: 'manifest' },
    ]);
    expect(await tagsOf('runs/p/r/rejects/s/x.tar')).toEqual([
      { Key: 'vlmflow:kind', Value: 'rejects' },
    ]);
    expect(await tagsOf('runs/p/r/stages/s/x.tar')).toEqual([]);
  }, 30_000);
});
