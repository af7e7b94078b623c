import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { Segment, ShardEvent, ShardStats, ShardTask } from '../../core/contracts';
import { createShardHandler, handler } from '../../lambdas/handlers/curate';
import { ShardError } from '../../core/errors';
import { ORIGINAL_JSON_EXT, tagRejected } from '../../lambdas/handlers/reject-tag';
import { assertBalanced } from '../../lambdas/handlers/shard-loop';
import { mergeSegments } from '../../lambdas/handlers/segment';
import { imageDecode, imageSize, textLength } from '../../lambdas/ops/index';
import { readJson } from '../../lambdas/shards/json-io';
import { joinUri, toFilePath } from '../../core/uri';
import { brokenImages, photo } from '../fixtures/images';
import {
  goodPair,
  readRecords,
  readSamples,
  sampleOf,
  tempDir,
  writeShard,
  type TempDir,
} from './helpers';

let dir: TempDir;
let shardUri: string;

/** Six samples, one per outcome of the chain decode → size → text length. */
beforeAll(async () => {
  dir = await tempDir();
  shardUri = joinUri(dir.uri, 'input', 'shard-000.tar');
  const broken = await brokenImages();
  await writeShard(shardUri, [
    await goodPair('000001', 1),
    sampleOf('000002', {
      jpg: broken.truncatedJpeg,
      txt: 'a truncated download of a photo',
      json: { url: 'u2' },
    }),
    sampleOf('000003', {
      jpg: await photo(120, 90, { seed: 3 }),
      txt: 'a photo far too small',
      json: '[1, 2]',
    }),
    sampleOf('000004', { png: await photo(300, 300, { format: 'png', seed: 4 }), txt: 'hi' }),
    await goodPair('000005', 5),
    sampleOf('000006', {
      jpg: await photo(400, 300, { seed: 6 }),
      txt: 'a photo with broken metadata',
      json: '{"url": ',
    }),
  ]);
});
afterAll(() => dir.remove());

const chain = [imageDecode(), imageSize({ minSide: 200 }), textLength({ minWords: 3 })];

function taskFor(
  runId: string,
  segments: readonly Segment[],
  params: ShardTask['params'] = {},
): ShardTask {
  return {
    pipeline: 'demo',
    stage: 'web',
    runId,
    runRoot: joinUri(dir.uri, 'runs', 'demo', runId),
    params,
    item: { key: 'shard-000', uri: shardUri },
    segments,
  };
}
const run = (task: ShardTask, segment = 0): Promise<unknown> =>
  handler({ task, segment } satisfies ShardEvent);
const at = (task: ShardTask, ...parts: string[]): string => joinUri(task.runRoot, ...parts);

const expectedRejected = {
  'image.decode:truncated': 1,
  'image.size:too_small': 1,
  'text.length:too_short': 1,
};

describe('curate', () => {
  test('one fused pass: exact counts, kept and rejected shards, stats marker', async () => {
    const task = taskFor('one', [{ fn: 'curate', ops: chain }]);
    expect(await run(task)).toEqual({
      stage: 'web',
      shard: 'shard-000',
      in: 6,
      kept: 3,
      rejected: expectedRejected,
    });

    const kept = await readSamples(at(task, 'stages/web/shard-000.tar'));
    expect(kept.map((s) => s.key)).toEqual(['000001', '000005', '000006']);
    const stats = await readJson<ShardStats>(at(task, 'stats/web/shard-000.json'));
    expect(stats).toMatchObject({
      stage: 'web',
      shard: 'shard-000',
      input: shardUri,
      in: 6,
      kept: 3,
      rejected: expectedRejected,
      output: { uri: at(task, 'stages/web/shard-000.tar'), samples: 3 },
      rejects: { uri: at(task, 'rejects/web/shard-000.tar'), samples: 3 },
    });
    expect(stats.rejectsBySegment).toBeUndefined();
    const timings = await readJson<{ ms: Record<string, number> }>(
      at(task, 'timings/web/shard-000.json'),
    );
    expect(Object.keys(timings.ms)).toEqual(['image.decode', 'image.size', 'text.length']);
  });

  test('rejected samples keep every original part and carry the reason in their json', async () => {
    const task = taskFor('tags', [{ fn: 'curate', ops: chain }]);
    await run(task);
    const rejects = await readSamples(at(task, 'rejects/web/shard-000.tar'));
    const byKey = Object.fromEntries(rejects.map((s) => [s.key, s]));
    expect(Object.keys(byKey)).toEqual(['000002', '000003', '000004']);

    const decode = JSON.parse(byKey['000002']!.parts.json!.toString());
    expect(decode).toMatchObject({
      url: 'u2',
      reject: { op: 'image.decode', reason: 'truncated' },
    });
    expect(Object.keys(byKey['000002']!.parts).sort()).toEqual(['jpg', 'json', 'txt']);

    // A json that is not an object is kept under orig.json; the new json holds only the tag.
    const size = byKey['000003']!;
    expect(JSON.parse(size.parts.json!.toString())).toEqual({
      reject: { op: 'image.size', reason: 'too_small', detail: '120x90' },
    });
    expect(size.parts[ORIGINAL_JSON_EXT]!.toString()).toBe('[1, 2]');

    // No json at all: one is added.
    expect(JSON.parse(byKey['000004']!.parts.json!.toString())).toMatchObject({
      reject: { op: 'text.length', reason: 'too_short' },
    });
    expect(Object.keys(byKey['000004']!.parts).sort()).toEqual(['json', 'png', 'txt']);
  });

  test('tagging: unparseable json is preserved, object json gains the tag, the input is not mutated', () => {
    const tag = { op: 'x.y', reason: 'bad', detail: 'why' };
    const unparseable = sampleOf('k', { json: '{"a": ', txt: 't' });
    const tagged = tagRejected(unparseable, tag);
    expect(JSON.parse(tagged.parts.json!.toString())).toEqual({ reject: tag });
    expect(tagged.parts[ORIGINAL_JSON_EXT]!.toString()).toBe('{"a": ');
    expect(unparseable.parts.json!.toString()).toBe('{"a": ');

    const object = tagRejected(sampleOf('k', { json: { a: 1 } }), { op: 'x.y', reason: 'bad' });
    expect(JSON.parse(object.parts.json!.toString())).toEqual({
      a: 1,
      reject: { op: 'x.y', reason: 'bad' },
    });
    expect(object.parts[ORIGINAL_JSON_EXT]).toBeUndefined();
  });

  test('a shard already done returns its counts without work', async () => {
    const task = taskFor('again', [{ fn: 'curate', ops: chain }]);
    const first = await run(task);
    const marker = toFilePath(at(task, 'stats/web/shard-000.json'));
    const before = await readFile(marker);
    const mtime = (await stat(marker)).mtimeMs;
    await rm(toFilePath(at(task, 'stages/web/shard-000.tar')));

    expect(await run(task)).toEqual(first);
    expect((await stat(marker)).mtimeMs).toBe(mtime);
    expect(await readFile(marker)).toEqual(before);
    await expect(stat(toFilePath(at(task, 'stages/web/shard-000.tar')))).rejects.toThrow('ENOENT');
  });

  test('the stats marker is the same bytes when the shard runs again from scratch', async () => {
    const task = taskFor('determinism', [{ fn: 'curate', ops: chain }]);
    await run(task);
    const first = await readFile(toFilePath(at(task, 'stats/web/shard-000.json')));
    await rm(toFilePath(task.runRoot), { recursive: true });
    await run(task);
    expect(await readFile(toFilePath(at(task, 'stats/web/shard-000.json')))).toEqual(first);
  });

  test('two segments: the second reads the first one’s output; the marker merges both', async () => {
    const task = taskFor('segments', [
      { fn: 'curate', ops: [imageDecode(), imageSize({ minSide: 200 })] },
      { fn: 'curate', ops: [textLength({ minWords: 3 })] },
    ]);
    expect(await run(task, 0)).toEqual({
      stage: 'web',
      shard: 'shard-000',
      in: 6,
      kept: 4,
      rejected: { 'image.decode:truncated': 1, 'image.size:too_small': 1 },
    });
    await expect(readJson(at(task, 'stats/web/shard-000.json'))).rejects.toThrow();
    expect((await readSamples(at(task, 'tmp/web/0/shard-000.tar'))).length).toBe(4);

    expect(await run(task, 1)).toEqual({
      stage: 'web',
      shard: 'shard-000',
      in: 6,
      kept: 3,
      rejected: expectedRejected,
    });
    const stats = await readJson<ShardStats>(at(task, 'stats/web/shard-000.json'));
    expect(stats.rejectsBySegment!.map((r) => [r.uri, r.samples])).toEqual([
      [at(task, 'rejects/web/shard-000.tar'), 2],
      [at(task, 'rejects/web/shard-000.1.tar'), 1],
    ]);
    expect((await readSamples(at(task, 'stages/web/shard-000.tar'))).map((s) => s.key)).toEqual([
      '000001',
      '000005',
      '000006',
    ]);
    // The intermediate shard is gone once the marker is written; re-running either segment is a no-op.
    await expect(stat(toFilePath(at(task, 'tmp/web/0/shard-000.tar')))).rejects.toThrow('ENOENT');
    expect(await run(task, 0)).toMatchObject({ in: 6, kept: 3 });
  });

  test('the last segment refuses to run before the earlier ones', async () => {
    const task = taskFor('out-of-order', [
      { fn: 'curate', ops: [imageSize({ minSide: 200 })] },
      { fn: 'curate', ops: [textLength()] },
    ]);
    await expect(run(task, 1)).rejects.toMatchObject({
      name: 'ShardError',
      message: expect.stringContaining('segment 1: segment 0 has not finished'),
    });
    await expect(run(task, 2)).rejects.toThrow('no such segment (the stage has 2)');
  });

  test('a broken tar counts its bad records as tar:<reason> rejects', async () => {
    const whole = await readFile(toFilePath(shardUri));
    const cutUri = joinUri(dir.uri, 'input', 'cut.tar');
    // Cut inside the fourth sample's image: three whole samples survive.
    const records = await readRecords(shardUri);
    expect(records.length).toBe(6);
    await writeFile(toFilePath(cutUri), whole.subarray(0, Math.floor(whole.length * 0.55)));
    const task = {
      ...taskFor('broken', [{ fn: 'curate', ops: [imageSize({ minSide: 1 })] }]),
      item: { key: 'cut', uri: cutUri },
    };
    const result = (await run(task)) as {
      in: number;
      kept: number;
      rejected: Record<string, number>;
    };
    expect(result.rejected['tar:truncated']).toBe(1);
    expect(result.in).toBe(result.kept + Object.values(result.rejected).reduce((a, b) => a + b, 0));
    const rejects = await readSamples(at(task, 'rejects/web/cut.tar'));
    const tagged = rejects.map((s) => JSON.parse(s.parts.json!.toString()).reject);
    expect(tagged).toContainEqual(expect.objectContaining({ op: 'tar', reason: 'truncated' }));
  });

  test('an empty input file is one tar:truncated reject, written under a key a tar can hold', async () => {
    const emptyUri = joinUri(dir.uri, 'input', 'empty.tar');
    await writeFile(toFilePath(emptyUri), Buffer.alloc(0));
    const task = {
      ...taskFor('empty', [{ fn: 'curate', ops: chain }]),
      item: { key: 'empty', uri: emptyUri },
    };
    expect(await run(task)).toEqual({
      stage: 'web',
      shard: 'empty',
      in: 1,
      kept: 0,
      rejected: { 'tar:truncated': 1 },
    });
    const [reject] = await readSamples(at(task, 'rejects/web/empty.tar'));
    expect(reject!.key).toBe('_invalid/000001');
    expect(JSON.parse(reject!.parts.json!.toString()).reject).toMatchObject({
      op: 'tar',
      reason: 'truncated',
    });
    expect((await readSamples(at(task, 'stages/web/empty.tar'))).length).toBe(0);
  });

  test('a bad operator argument fails the shard with a ShardError naming the argument', async () => {
    const task = taskFor('bad-args', [{ fn: 'curate', ops: [imageSize({ minSide: -1 })] }]);
    await expect(run(task)).rejects.toMatchObject({
      name: 'ShardError',
      message: expect.stringMatching(/operator #1 \(image\.size\): .*minSide/),
    });
  });

  test('parameter references resolve from the run parameters', async () => {
    const task = taskFor(
      'params',
      [{ fn: 'curate', ops: [imageSize({ minSide: { $param: 'minSide' } })] }],
      { minSide: 300 },
    );
    // 320x240 and 120x90 are under 300 px; 300x300, 400x300 and the truncated 640x480 JPEG (whose
    // header is whole) are not.
    expect(await run(task)).toEqual({
      stage: 'web',
      shard: 'shard-000',
      in: 6,
      kept: 3,
      rejected: { 'image.size:too_small': 3 },
    });
  });

  test('createShardHandler runs only the operators it was given', async () => {
    const textOnly = createShardHandler([textLength]);
    const task = taskFor('registry', [{ fn: 'curate', ops: [imageSize()] }]);
    await expect(textOnly({ task, segment: 0 })).rejects.toThrow(/unknown operator/);
  });

  test('counts that do not balance are refused', () => {
    expect(() => assertBalanced({ in: 5, kept: 3, rejected: { 'a:b': 1 } }, 'shard x')).toThrow(
      ShardError,
    );
    expect(() => assertBalanced({ in: 5, kept: 3, rejected: { 'a:b': 1 } }, 'shard x')).toThrow(
      'shard x: counts do not balance: in 5 != kept 3 + rejected 1',
    );
    const written = { uri: 'file:///x.tar', samples: 0, bytes: 0, sha256: '' };
    const segment = {
      stage: 's',
      shard: 'x',
      input: 'file:///in.tar',
      output: written,
      rejects: written,
    };
    expect(() =>
      mergeSegments(
        [
          { ...segment, segment: 0, in: 5, kept: 4, rejected: { 'a:b': 1 } },
          { ...segment, segment: 1, in: 3, kept: 3, rejected: {} },
        ],
        'file:///in.tar',
        'shard x',
      ),
    ).toThrow('segment 1 read 3 samples but segment 0 kept 4');
  });
});
