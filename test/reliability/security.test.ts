/**
 * Hostile inputs: tar member names, limits, prototype-polluting JSON, shard keys, and URIs
 * outside the configured roots. Every bad sample is rejected with its exact reason; nothing is
 * written outside the run root; nothing reaches Object.prototype.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import { runLocal } from '../../infra/local/runner';
import { createShardHandler } from '../../lambdas/handlers/curate';
import type { ShardEvent } from '../../core/contracts';
import { ORIGINAL_JSON_EXT, tagRejected } from '../../lambdas/handlers/reject-tag';
import { ops } from '../../core/ops';
import {
  ALLOWED_ROOTS_ENV,
  assertAllowedUri,
  isAllowedUri,
} from '../../lambdas/shards/allowed-roots';
import { readJson } from '../../lambdas/shards/json-io';
import { parseJsonSafe, UnsafeJsonError } from '../../lambdas/shards/safe-json';
import { storageFor } from '../../lambdas/shards/storage';
import {
  DEFAULT_MAX_MEMBERS_PER_SAMPLE,
  DEFAULT_MAX_MEMBER_BYTES,
} from '../../lambdas/shards/tar-reader';
import { makeTar } from '../shards/tar-fixtures';
import { readRecords } from '../handlers/helpers';
import tinyText from './fixtures/tiny-text';

const curate = createShardHandler([ops.text.length]);
const POLLUTING = '{"caption":"x","__proto__":{"polluted":true}}';

function eventFor(runRoot: string, key: string, uri: string): ShardEvent {
  return {
    task: {
      pipeline: 'tiny-text',
      stage: 'texts',
      runId: 'sec',
      runRoot,
      params: {},
      item: { key, uri },
      segments: [{ fn: 'curate', ops: [{ op: 'text.length', fn: 'curate', args: {} }] }],
    },
    segment: 0,
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-security-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env[ALLOWED_ROOTS_ENV];
});

describe('tar members and limits through the curate handler', () => {
  it('rejects each hostile member with its reason and writes only under the run root', async () => {
    const input = path.join(dir, 'hostile.tar');
    await writeFile(
      input,
      await makeTar([
        { name: 'ok.txt', data: 'a perfectly fine caption' },
        { name: '../evil.txt', data: 'escape attempt' },
        { name: '/etc/abs.txt', data: 'absolute path' },
        { name: 'sym.txt', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'hard.txt', type: 'link', linkname: 'ok.txt' },
        { name: 'dev.txt', type: 'character-device' },
        { name: 'proto.__proto__', data: 'replaces a prototype' },
        ...Array.from({ length: DEFAULT_MAX_MEMBERS_PER_SAMPLE + 1 }, (_, i) => ({
          name: `many.e${i}`,
          data: 'm',
        })),
        { name: 'big.txt', data: Buffer.alloc(DEFAULT_MAX_MEMBER_BYTES + 1, 0x61) },
        { name: 'pp.txt', data: 'x' },
        { name: 'pp.json', data: POLLUTING },
      ]),
    );
    const runRoot = `file://${dir}/runs/tiny-text/sec`;
    const result = await curate(eventFor(runRoot, 'hostile', `file://${input}`));
    expect(result).toEqual({
      stage: 'texts',
      shard: 'hostile',
      in: 10,
      kept: 1,
      rejected: {
        'tar:member_too_large': 1,
        'tar:no_extension': 1,
        'tar:not_a_file': 3,
        'tar:too_many_members': 1,
        'tar:unsafe_name': 2,
        'text.length:too_short': 1,
      },
    });
    const written = await filesUnder(path.join(dir, 'runs'));
    expect(
      written.every((file) => file.startsWith(path.join(dir, 'runs', 'tiny-text', 'sec'))),
    ).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The polluting json travels to the rejects shard untouched, beside the reject tag.
    const rejects = await readRecords(`${runRoot}/rejects/texts/hostile.tar`);
    const pp = rejects.find((r) => r.kind === 'sample' && r.sample.key === 'pp');
    expect(pp?.kind).toBe('sample');
    if (pp?.kind !== 'sample') return;
    expect(pp.sample.parts[ORIGINAL_JSON_EXT]?.toString()).toBe(POLLUTING);
    expect(JSON.parse(pp.sample.parts.json!.toString())).toEqual({
      reject: { op: 'text.length', reason: 'too_short', detail: '1 words, 1 chars' },
    });
  });

  it('refuses a shard key that would leave the run root, writing nothing', async () => {
    const input = path.join(dir, 'plain.tar');
    await writeFile(input, await makeTar([{ name: 'a.txt', data: 'a fine caption' }]));
    const runRoot = `file://${dir}/keys/runs/tiny-text/sec`;
    await expect(curate(eventFor(runRoot, '../../escape', `file://${input}`))).rejects.toThrow(
      /"\.\." segment/,
    );
    expect(await filesUnder(dir).then((f) => f.filter((x) => x.includes('escape')))).toEqual([]);
  });
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__ at the top', '{"__proto__":{"polluted":1}}'],
    ['__proto__ nested', '{"a":[{"b":{"__proto__":{"polluted":1}}}]}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":1}}}'],
  ])('parseJsonSafe refuses %s', (_, text) => {
    expect(() => parseJsonSafe(text)).toThrow(UnsafeJsonError);
  });

  it('parses ordinary JSON, including a plain "constructor" field', () => {
    expect(parseJsonSafe('{"constructor":"Leica","caption":"a"}')).toEqual({
      constructor: 'Leica',
      caption: 'a',
    });
  });

  it('readJson (stats, manifests) refuses a polluting document with the URI in the message', async () => {
    const uri = `file://${dir}/bad-stats.json`;
    await storageFor(uri).write(uri, POLLUTING);
    await expect(readJson(uri)).rejects.toThrow(/invalid JSON in .*bad-stats\.json.*__proto__/);
  });

  it('tagRejected keeps a polluting json as bytes and never merges it', () => {
    const tagged = tagRejected(
      { key: 'k', parts: { json: Buffer.from(POLLUTING) } },
      { op: 'x.y', reason: 'z' },
    );
    expect(tagged.parts[ORIGINAL_JSON_EXT]?.toString()).toBe(POLLUTING);
    expect(JSON.parse(tagged.parts.json!.toString())).toEqual({
      reject: { op: 'x.y', reason: 'z' },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe(`${ALLOWED_ROOTS_ENV}`, () => {
  const env = { [ALLOWED_ROOTS_ENV]: 's3://data-bucket/runs, /mnt/shards/' };

  it('allows URIs under a root and nothing beside it', () => {
    expect(isAllowedUri('s3://data-bucket/runs/p/r1/stats/a.json', env)).toBe(true);
    expect(isAllowedUri('s3://data-bucket/runs', env)).toBe(true);
    expect(isAllowedUri('s3://data-bucket/runsX/a.json', env)).toBe(false);
    expect(isAllowedUri('s3://other-bucket/runs/a.json', env)).toBe(false);
    expect(isAllowedUri('file:///mnt/shards/a.tar', env)).toBe(true);
    expect(isAllowedUri('/mnt/shards/../etc/passwd', env)).toBe(false);
    expect(isAllowedUri('s3://anything/at/all', {})).toBe(true);
  });

  it('names the URI, its use and the roots when it refuses', () => {
    expect(() => assertAllowedUri('s3://models-x/connector.safetensors', 'model', env)).toThrow(
      'model URI s3://models-x/connector.safetensors is outside the allowed roots (VLMFLOW_ALLOWED_ROOTS=s3://data-bucket/runs/,file:///mnt/shards/)',
    );
  });

  it('storage refuses reads and writes outside the roots', async () => {
    process.env[ALLOWED_ROOTS_ENV] = path.join(dir, 'allowed');
    const outside = `file://${dir}/outside.json`;
    await expect(storageFor(outside).write(outside, '{}')).rejects.toThrow(
      /outside the allowed roots/,
    );
    await expect(storageFor(outside).readBytes(outside)).rejects.toThrow(
      /outside the allowed roots/,
    );
    const inside = `file://${dir}/allowed/x.json`;
    await storageFor(inside).write(inside, '{}');
    expect(await readJson(inside)).toEqual({});
  });

  it('a run whose input lies outside the roots fails in Plan with that message', async () => {
    const workdir = path.join(dir, 'roots-work');
    const inputs = path.join(dir, 'roots-inputs');
    await storageFor(inputs).write(
      `file://${inputs}/t-000000.tar`,
      await makeTar([{ name: 'a.txt', data: 'a fine caption' }]),
    );
    process.env[ALLOWED_ROOTS_ENV] = workdir;
    const result = await runLocal({
      definition: compile(tinyText.graph).definition,
      pipeline: { name: 'tiny-text', operators: tinyText.operators },
      dataRoot: workdir,
      input: { runId: 'roots', inputs: { texts: `file://${inputs}` } },
      workerMode: 'in-process',
    });
    expect(result.status).toBe('FAILED');
    const summary = await readJson<{ error: { cause: string } }>(
      `file://${workdir}/runs/tiny-text/roots/summary.json`,
    );
    expect(summary.error.cause).toBe(
      `source "texts": cannot list file://${inputs}: UriNotAllowedError: storage URI file://${inputs}/ is outside the allowed roots (${ALLOWED_ROOTS_ENV}=file://${workdir}/)`,
    );
  });
});
