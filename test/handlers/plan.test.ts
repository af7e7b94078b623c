import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { PlanEvent, ShardItem } from '../../core/contracts';
import { handler } from '../../lambdas/handlers/plan';
import { ParamError } from '../../core/params';
import { readJson, writeJson } from '../../lambdas/shards/json-io';
import { fromLocation, joinUri, LOCAL_BUCKET } from '../../core/uri';
import { goodPair, tempDir, writeShard, type TempDir } from './helpers';

let dir: TempDir;
let webUri: string;
let otherUri: string;

beforeAll(async () => {
  dir = await tempDir();
  webUri = joinUri(dir.uri, 'web');
  otherUri = joinUri(dir.uri, 'other');
  const pair = await goodPair('000000');
  for (const name of ['shard-002', 'shard-000', 'shard-001'])
    await writeShard(joinUri(webUri, `${name}.tar`), [pair]);
  await writeFile(path.join(dir.path, 'web', 'README.txt'), 'not a shard');
  await writeShard(joinUri(webUri, 'nested', 'shard-009.tar'), [pair]);
  await writeShard(joinUri(otherUri, 'part 1.tar'), [pair]);
});
afterAll(() => dir.remove());

function planEvent(input: PlanEvent['input'] = {}, executionName = 'exec-1'): PlanEvent {
  return {
    pipeline: 'demo',
    definitionHash: 'abc123',
    version: '0.1.0',
    dataRoot: joinUri(dir.uri, 'data'),
    input,
    executionName,
    paramSpecs: { minSide: { type: 'integer', default: 200, min: 0 } },
    sources: [{ name: 'web', uri: webUri, pattern: '*.tar' }],
  };
}

describe('plan', () => {
  test('{} runs with defaults: run id from the execution, every matching shard, both manifests', async () => {
    const context = await handler(planEvent());
    const runRoot = joinUri(dir.uri, 'data', 'runs', 'demo', 'exec-1');
    expect(context.runId).toBe('exec-1');
    expect(context.runRoot).toBe(runRoot);
    expect(context.params).toEqual({ minSide: 200 });
    const stage = context.stages.web!;
    expect(stage).toEqual({
      manifest: {
        Bucket: LOCAL_BUCKET,
        Key: `${dir.path}/data/runs/demo/exec-1/manifests/web.json`,
      },
      allShards: {
        Bucket: LOCAL_BUCKET,
        Key: `${dir.path}/data/runs/demo/exec-1/manifests/web.all.json`,
      },
      results: { Bucket: LOCAL_BUCKET, Prefix: `${dir.path}/data/runs/demo/exec-1/results/web` },
      shards: 3,
      pending: 3,
    });
    const pending = await readJson<ShardItem[]>(
      fromLocation(stage.manifest.Bucket, stage.manifest.Key),
    );
    expect(pending).toEqual(
      ['shard-000', 'shard-001', 'shard-002'].map((key) => ({
        key,
        uri: joinUri(webUri, `${key}.tar`),
      })),
    );
    expect(await readJson(fromLocation(stage.allShards.Bucket, stage.allShards.Key))).toEqual(
      pending,
    );
    expect(context.lineage).toEqual({
      pipeline: 'demo',
      definitionHash: 'abc123',
      version: '0.1.0',
      params: { minSide: 200 },
      inputs: { web: webUri },
    });
  });

  test('the run input overrides run id, parameters and source URIs; shard keys are sanitised', async () => {
    const context = await handler(
      planEvent({ runId: 'try-2', params: { minSide: 150 }, inputs: { web: otherUri } }),
    );
    expect(context.runId).toBe('try-2');
    expect(context.params).toEqual({ minSide: 150 });
    expect(context.lineage.inputs).toEqual({ web: otherUri });
    const all = context.stages.web!.allShards;
    expect(await readJson(fromLocation(all.Bucket, all.Key))).toEqual([
      { key: 'part_1', uri: joinUri(otherUri, 'part 1.tar') },
    ]);
  });

  test('run values too large for Step Functions payloads fail in Plan with a message', async () => {
    const event = {
      ...planEvent({ params: { note: 'x'.repeat(40_000) } }),
      paramSpecs: { note: { type: 'string' as const, default: '' } },
    };
    const run = handler(event);
    await expect(run).rejects.toThrow(ParamError);
    await expect(run).rejects.toThrow(
      'params: 40011 bytes of run values, more than 32768 (they travel in every state',
    );
  });

  test('a bad parameter fails with a ParamError naming the field', async () => {
    const run = handler(planEvent({ params: { minSide: 'big' } }));
    await expect(run).rejects.toThrow(ParamError);
    await expect(run).rejects.toThrow('params.minSide: expected an integer, got "big"');
  });

  test('an unknown input source is named, with the known ones', async () => {
    const run = handler(planEvent({ inputs: { laion: otherUri } }));
    await expect(run).rejects.toMatchObject({
      name: 'PlanError',
      message: 'inputs.laion: unknown source "laion" (known: web)',
    });
  });

  test('an invalid run id is refused before anything is written', async () => {
    await expect(handler(planEvent({ runId: 'a/b' }))).rejects.toMatchObject({
      name: 'PlanError',
      message: expect.stringContaining('runId: "a/b" is not a valid run id'),
    });
    await expect(handler(planEvent({ runId: '..' }))).rejects.toThrow('is not a valid run id');
  });

  test('maxShards keeps the first shards by key', async () => {
    const context = await handler(planEvent({ runId: 'small', maxShards: 2 }));
    const all = context.stages.web!.allShards;
    expect(
      (await readJson<ShardItem[]>(fromLocation(all.Bucket, all.Key))).map((s) => s.key),
    ).toEqual(['shard-000', 'shard-001']);
    await expect(handler(planEvent({ maxShards: 0 }))).rejects.toThrow(
      'maxShards: expected a positive integer, got 0',
    );
  });

  test('shards whose stats marker exists are left out of the pending manifest', async () => {
    const runRoot = joinUri(dir.uri, 'data', 'runs', 'demo', 'resumed');
    await writeJson(joinUri(runRoot, 'stats', 'web', 'shard-001.json'), { done: true });
    const context = await handler(planEvent({ runId: 'resumed' }));
    const stage = context.stages.web!;
    expect([stage.shards, stage.pending]).toEqual([3, 2]);
    const pending = await readJson<ShardItem[]>(
      fromLocation(stage.manifest.Bucket, stage.manifest.Key),
    );
    expect(pending.map((s) => s.key)).toEqual(['shard-000', 'shard-002']);
  });

  test('a source URI that cannot be listed is a PlanError naming the source', async () => {
    await expect(
      handler(planEvent({ inputs: { web: 'ftp://host/shards' } })),
    ).rejects.toMatchObject({
      name: 'PlanError',
      message: expect.stringContaining(
        'source "web": cannot list ftp://host/shards: InvalidUriError',
      ),
    });
  });

  test('a source without matching shards is an error naming the source and its URI', async () => {
    const empty = joinUri(dir.uri, 'nothing-here');
    await expect(handler(planEvent({ inputs: { web: empty } }))).rejects.toMatchObject({
      name: 'PlanError',
      message: `source "web": no shards matching "*.tar" under ${empty} (upload shards there, or set inputs.web)`,
    });
  });
});

describe('resolveSourceUri', () => {
  const { resolveSourceUri } = jest.requireActual<typeof import('../../lambdas/handlers/plan')>(
    '../../lambdas/handlers/plan',
  );
  it('puts bare relative locations under the data root and leaves the rest alone', () => {
    expect(resolveSourceUri('inputs/pairs', 's3://bucket')).toBe('s3://bucket/inputs/pairs');
    expect(resolveSourceUri('inputs/pairs/', 'file:///tmp/w')).toBe('file:///tmp/w/inputs/pairs/');
    expect(resolveSourceUri('s3://other/x', 's3://bucket')).toBe('s3://other/x');
    expect(resolveSourceUri('/abs/dir', 's3://bucket')).toBe('/abs/dir');
    expect(resolveSourceUri('./rel', 's3://bucket')).toBe('./rel');
  });
});
