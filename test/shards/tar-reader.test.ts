import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readShard, TAR_REASONS, UngroupedShardError } from '../../lambdas/shards/tar-reader';
import { chunked, describe as plain, makeTar, readAll } from './tar-fixtures';

describe('readShard: WebDataset grouping', () => {
  it('groups consecutive members by key, lower-cases extensions, keeps folders in keys', async () => {
    const tarBytes = await makeTar([
      { name: 'shards', type: 'directory' },
      { name: 'a/b/000123.JPG', data: 'img' },
      { name: 'a/b/000123.txt', data: 'cap' },
      { name: 'a/b/000123.seg.png', data: 'seg' },
      { name: './000124.json', data: '{}' },
      { name: 'v1.2/000125.txt', data: 'dotted folder' },
    ]);
    expect((await readAll(tarBytes)).map(plain)).toEqual([
      { sample: 'a/b/000123', parts: { jpg: 'img', txt: 'cap', 'seg.png': 'seg' } },
      { sample: '000124', parts: { json: '{}' } },
      { sample: 'v1.2/000125', parts: { txt: 'dotted folder' } },
    ]);
  });

  it('reads a valid empty tar (two zero blocks) as no records', async () => {
    expect(await readAll(Buffer.alloc(1024))).toEqual([]);
  });

  it('exports the closed set of reasons', () => {
    expect(Object.values(TAR_REASONS).sort()).toEqual([
      'corrupt',
      'duplicate_key',
      'member_too_large',
      'no_extension',
      'not_a_file',
      'too_many_members',
      'truncated',
      'unsafe_name',
    ]);
  });
});

describe('readShard: broken archives never throw', () => {
  const threeSamples = (): Promise<Buffer> =>
    makeTar([
      { name: 'k0.jpg', data: 'a'.repeat(1000) },
      { name: 'k0.txt', data: 'zero' },
      { name: 'k1.jpg', data: 'b'.repeat(1000) },
      { name: 'k1.txt', data: 'one' },
      { name: 'k2.jpg', data: 'c'.repeat(1000) },
      { name: 'k2.txt', data: 'two' },
    ]);
  // Each member: a 512-byte header, then 1024 (jpg) or 512 (txt) bytes of padded data.
  const sampleBytes = 512 + 1024 + 512 + 512;

  it('yields the samples before a cut, then the partial sample as truncated', async () => {
    const whole = await threeSamples();
    const cutInK2Txt = whole.subarray(0, 2 * sampleBytes + 512 + 1024 + 512 + 2);
    const records = await readAll(cutInK2Txt);
    expect(
      records.map((r) => (r.kind === 'sample' ? r.sample.key : `${r.key}:${r.reason}`)),
    ).toEqual(['k0', 'k1', 'k2:truncated']);
    expect(Object.keys(records[2]?.kind === 'invalid' ? records[2].parts : {})).toEqual(['jpg']);
  });

  it('marks the sample whose first member is cut, and keeps the one before it', async () => {
    const whole = await threeSamples();
    const records = await readAll(whole.subarray(0, sampleBytes + 512 + 10));
    expect(records.map(plain)).toEqual([
      { sample: 'k0', parts: { jpg: 'a'.repeat(1000), txt: 'zero' } },
      { invalid: 'k1', reason: 'truncated', parts: {} },
    ]);
  });

  it('treats a cut inside a header as truncating the pending sample', async () => {
    const whole = await threeSamples();
    const records = await readAll(whole.subarray(0, sampleBytes + 100));
    expect(records.map((r) => [r.kind, r.kind === 'sample' ? r.sample.key : r.reason])).toEqual([
      ['invalid', 'truncated'],
    ]);
    expect(records[0]?.kind === 'invalid' && records[0].key).toBe('k0');
  });

  it('reports a zero-byte input as one truncated record', async () => {
    const records = await readAll(Buffer.alloc(0));
    expect(records.map(plain)).toEqual([
      { invalid: '_invalid/000001', reason: 'truncated', parts: {} },
    ]);
  });

  it('reports garbage as corrupt and short garbage as truncated', async () => {
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
    expect((await readAll(garbage)).map((r) => r.kind === 'invalid' && r.reason)).toEqual([
      'corrupt',
    ]);
    expect(
      (await readAll(garbage.subarray(0, 100))).map((r) => r.kind === 'invalid' && r.reason),
    ).toEqual(['truncated']);
  });

  it('says so when the input is gzip-compressed', async () => {
    const records = await readAll(gzipSync(await threeSamples()));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'invalid',
      reason: 'corrupt',
      detail: expect.stringMatching(/gzip/),
    });
  });

  it('keeps the samples before a corrupted header', async () => {
    const broken = Buffer.from(await threeSamples());
    broken.fill(0x41, 2 * sampleBytes + 100, 2 * sampleBytes + 200); // k2.jpg header: bad checksum
    expect(
      (await readAll(broken)).map((r) =>
        r.kind === 'sample' ? r.sample.key : `${r.key}:${r.reason}`,
      ),
    ).toEqual(['k0', 'k1:corrupt']);
  });

  it('throws errors of the input stream itself (they are worth a retry)', async () => {
    const whole = await threeSamples();
    const failing = Readable.from(
      (function* () {
        yield whole.subarray(0, 1500);
        throw new Error('connection reset');
      })(),
      { objectMode: false },
    );
    await expect(readAll(failing)).rejects.toThrow('connection reset');
  });

  it('stops reading the input when the consumer stops early', async () => {
    const input = chunked(await threeSamples());
    for await (const record of readShard(input)) {
      expect(record.kind).toBe('sample');
      break;
    }
    expect(input.destroyed).toBe(true);
  });
});

describe('readShard: members that cannot be samples', () => {
  it('refuses unsafe names without touching their bytes', async () => {
    const records = await readAll(
      await makeTar([
        { name: '../evil.jpg', data: 'x' },
        { name: '/etc/passwd.txt', data: 'x' },
        { name: 'a/../../b.jpg', data: 'x' },
        { name: '..\\evil.jpg', data: 'x' },
        { name: 'C:/windows.txt', data: 'x' },
        { name: 'ok/\0hidden.jpg', data: 'x', pax: true },
        { name: 'fine.txt', data: 'kept' },
      ]),
    );
    expect(records.map(plain)).toEqual([
      { invalid: '_invalid/000001', rawKey: '../evil.jpg', reason: 'unsafe_name', parts: {} },
      { invalid: '_invalid/000002', rawKey: '/etc/passwd.txt', reason: 'unsafe_name', parts: {} },
      { invalid: '_invalid/000003', rawKey: 'a/../../b.jpg', reason: 'unsafe_name', parts: {} },
      { invalid: '_invalid/000004', rawKey: '..\\evil.jpg', reason: 'unsafe_name', parts: {} },
      { invalid: '_invalid/000005', rawKey: 'C:/windows.txt', reason: 'unsafe_name', parts: {} },
      { invalid: '_invalid/000006', rawKey: 'ok/\0hidden.jpg', reason: 'unsafe_name', parts: {} },
      { sample: 'fine', parts: { txt: 'kept' } },
    ]);
  });

  it('rejects the whole sample of a symlink, hard link or fifo member, keeping its files', async () => {
    const records = await readAll(
      await makeTar([
        { name: '0001.txt', data: 'one' },
        { name: '0001.jpg', type: 'symlink', linkname: '/etc/shadow' },
        { name: '0002.jpg', type: 'link', linkname: '0001.txt' },
        { name: '0003.pipe', type: 'fifo' },
        { name: 'dev', type: 'character-device' },
        { name: '0004.txt', data: 'four' },
      ]),
    );
    expect(records.map(plain)).toEqual([
      { invalid: '0001', reason: 'not_a_file', parts: { txt: 'one' } },
      { invalid: '0002', reason: 'not_a_file', parts: {} },
      { invalid: '_invalid/000001', rawKey: 'dev', reason: 'not_a_file', parts: {} },
      { invalid: '0003', reason: 'not_a_file', parts: {} },
      { sample: '0004', parts: { txt: 'four' } },
    ]);
  });

  it('reports members without a key group on their own, without splitting the sample around them', async () => {
    const records = await readAll(
      await makeTar([
        { name: 'a.jpg', data: 'A' },
        { name: 'README', data: 'docs' },
        { name: 'a.txt', data: 'caption' },
        { name: 'x/.hidden', data: 'h' },
        { name: 'trailing.', data: 't' },
      ]),
    );
    expect(records.map(plain)).toEqual([
      // Records of lone members come out at once; the sample when its last member is read.
      { invalid: '_invalid/000001', rawKey: 'README', reason: 'no_extension', parts: {} },
      { invalid: '_invalid/000002', rawKey: 'x/.hidden', reason: 'no_extension', parts: {} },
      { invalid: '_invalid/000003', rawKey: 'trailing.', reason: 'no_extension', parts: {} },
      { sample: 'a', parts: { jpg: 'A', txt: 'caption' } },
    ]);
  });

  it('rejects an extension given twice in one sample and a key equal to a stand-in', async () => {
    const records = await readAll(
      await makeTar([
        { name: 'noext', data: 'x' },
        { name: 'c.jpg', data: 'C1' },
        { name: 'c.JPG', data: 'C2' },
        { name: '_invalid/000001.txt', data: 'a real key that looks like a stand-in' },
      ]),
    );
    expect(records.map(plain)).toEqual([
      { invalid: '_invalid/000001', rawKey: 'noext', reason: 'no_extension', parts: {} },
      { invalid: 'c', reason: 'duplicate_key', parts: { jpg: 'C1' } },
      {
        invalid: '_invalid/000002',
        rawKey: '_invalid/000001',
        reason: 'duplicate_key',
        parts: { txt: 'a real key that looks like a stand-in' },
      },
    ]);
  });

  it('throws UngroupedShardError when a key comes back after other keys', async () => {
    const tarBytes = await makeTar([
      { name: 'a.jpg', data: 'A1' },
      { name: 'b.jpg', data: 'B' },
      { name: 'a.txt', data: 'late' },
    ]);
    await expect(readAll(tarBytes)).rejects.toThrow(UngroupedShardError);
    await expect(readAll(tarBytes)).rejects.toThrow(/tar --sort=name/);
  });

  it('never buffers a member over maxMemberBytes, and caps members per sample', async () => {
    const tarBytes = await makeTar([
      { name: 'big.jpg', data: 'x'.repeat(5000) },
      { name: 'big.txt', data: 'small' },
      { name: 'many.a', data: '1' },
      { name: 'many.b', data: '2' },
      { name: 'many.c', data: '3' },
      { name: 'ok.a', data: 'fine' },
    ]);
    const records = await readAll(tarBytes, { maxMemberBytes: 1000, maxMembersPerSample: 2 });
    expect(records.map(plain)).toEqual([
      { invalid: 'big', reason: 'member_too_large', parts: { txt: 'small' } },
      { invalid: 'many', reason: 'too_many_members', parts: { a: '1', b: '2' } },
      { sample: 'ok', parts: { a: 'fine' } },
    ]);
  });
});
