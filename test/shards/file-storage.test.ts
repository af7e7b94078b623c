import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { FileStorage, TEMP_SUFFIX, isNotFound } from '../../lambdas/shards/file-storage';
import { readJson, stableJson, writeJson } from '../../lambdas/shards/json-io';
import { storageFor } from '../../lambdas/shards/storage';
import { S3Storage } from '../../lambdas/shards/s3-storage';

let dir: string;
const storage = new FileStorage();
const uriOf = (...parts: string[]): string => `file://${path.join(dir, ...parts)}`;
const listed = async (prefix: string): Promise<string[]> => {
  const uris: string[] = [];
  for await (const object of storage.list(prefix))
    uris.push(object.uri.slice(`file://${dir}/`.length));
  return uris;
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileStorage', () => {
  it('writes (creating folders), reads, and reports size and sha256', async () => {
    const result = await storage.write(
      uriOf('a/b/c.txt'),
      Readable.from([Buffer.from('hello '), Buffer.from('world')]),
    );
    expect(result).toEqual({
      uri: uriOf('a/b/c.txt'),
      bytes: 11,
      sha256: createHash('sha256').update('hello world').digest('hex'),
    });
    expect((await storage.readBytes(uriOf('a/b/c.txt'))).toString()).toBe('hello world');
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.read(uriOf('a/b/c.txt'))) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    expect(await storage.exists(uriOf('a/b/c.txt'))).toBe(true);
    expect(await storage.exists(uriOf('a/b'))).toBe(false);
    await storage.write(path.join(dir, 'plain-path.txt'), 'strings and plain paths work too');
    expect(await readFile(path.join(dir, 'plain-path.txt'), 'utf8')).toBe(
      'strings and plain paths work too',
    );
  });

  it('makes missing objects recognisable', async () => {
    for (const attempt of [
      storage.read(uriOf('nope.tar')),
      storage.readBytes(uriOf('no/such/dir.tar')),
    ]) {
      const error: unknown = await attempt.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isNotFound(error)).toBe(true);
      expect(String(error)).toMatch(/not found: file:\/\//);
    }
    expect(await storage.exists(uriOf('nope'))).toBe(false);
    expect(isNotFound(new Error('other'))).toBe(false);
  });

  it('never leaves a partial object: a failed write keeps the old content and no temp file', async () => {
    await storage.write(uriOf('shard.tar'), 'old content');
    const failing = Readable.from(
      (function* () {
        yield Buffer.alloc(64 * 1024, 1);
        throw new Error('source broke');
      })(),
    );
    await expect(storage.write(uriOf('shard.tar'), failing)).rejects.toThrow('source broke');
    expect(await readFile(path.join(dir, 'shard.tar'), 'utf8')).toBe('old content');
    expect(await readdir(dir)).toEqual(['shard.tar']);
  });

  it('lists recursively in S3 key order, by string prefix, hiding temp files', async () => {
    for (const name of [
      'b/2.tar',
      'b/10.tar',
      'a-c/x.json',
      'a/b/y.json',
      'a/z.json',
      'ab.json',
      'root.json',
    ]) {
      await storage.write(uriOf(name), name);
    }
    await writeFile(path.join(dir, 'b', `.3.tar.1234${TEMP_SUFFIX}`), 'in flight');
    expect(await listed(uriOf('/'))).toEqual([
      'a-c/x.json',
      'a/b/y.json',
      'a/z.json',
      'ab.json',
      'b/10.tar',
      'b/2.tar',
      'root.json',
    ]);
    expect(await listed(uriOf('a'))).toEqual(['a-c/x.json', 'a/b/y.json', 'a/z.json', 'ab.json']);
    expect(await listed(uriOf('a/'))).toEqual(['a/b/y.json', 'a/z.json']);
    expect(await listed(uriOf('b/1'))).toEqual(['b/10.tar']);
    expect(await listed(uriOf('missing/'))).toEqual([]);
    const sizes: number[] = [];
    for await (const object of storage.list(uriOf('b/'))) sizes.push(object.size);
    expect(sizes).toEqual([8, 7]);
  });

  it('follows symlinked folders when listing', async () => {
    await storage.write(uriOf('real/a.tar'), 'a');
    await mkdir(path.join(dir, 'view'));
    await symlink(path.join(dir, 'real'), path.join(dir, 'view', 'linked'));
    expect(await listed(uriOf('view/'))).toEqual(['view/linked/a.tar']);
  });

  it('deletes, and deleting a missing object is not an error', async () => {
    await storage.write(uriOf('x.json'), '{}');
    await storage.delete(uriOf('x.json'));
    await storage.delete(uriOf('x.json'));
    expect(await storage.exists(uriOf('x.json'))).toBe(false);
  });
});

describe('storageFor', () => {
  it('picks one cached storage per scheme', () => {
    expect(storageFor('/tmp/a')).toBeInstanceOf(FileStorage);
    expect(storageFor('file:///tmp/b')).toBe(storageFor('/tmp/a'));
    expect(storageFor('s3://bucket/key')).toBeInstanceOf(S3Storage);
    expect(() => storageFor('http://example.com/x')).toThrow(/unsupported scheme/);
  });
});

describe('json-io', () => {
  it('writes stable JSON: sorted keys, two spaces, trailing newline', async () => {
    await writeJson(uriOf('m.json'), {
      b: 1,
      a: { d: [3, { z: true, y: null }], c: 'x' },
      skipped: undefined,
    });
    expect(await readFile(path.join(dir, 'm.json'), 'utf8')).toBe(
      '{\n  "a": {\n    "c": "x",\n    "d": [\n      3,\n      {\n        "y": null,\n        "z": true\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
    expect(await readJson(uriOf('m.json'))).toEqual({
      a: { c: 'x', d: [3, { y: null, z: true }] },
      b: 1,
    });
    expect(stableJson({ y: 1, x: 2 })).toBe(stableJson({ x: 2, y: 1 }));
  });

  it('refuses values JSON would silently change, and validates on read', async () => {
    expect(() => stableJson({ ratio: Number.NaN })).toThrow(/NaN as JSON at \$\.ratio/);
    expect(() => stableJson({ f: () => 1 })).toThrow(/function/);
    await writeFile(path.join(dir, 'bad.json'), '{oops');
    await expect(readJson(uriOf('bad.json'))).rejects.toThrow(/invalid JSON in file:/);
    await writeJson(uriOf('n.json'), 5);
    const parse = (value: unknown): number => {
      if (typeof value !== 'number') throw new Error('expected a number');
      return value;
    };
    expect(await readJson(uriOf('n.json'), parse)).toBe(5);
    await expect(readJson(uriOf('missing.json'))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});
