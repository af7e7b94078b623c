import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { JsonValue } from '../../infra/local/asl';
import { runLocal } from '../../infra/local/runner';
import { createShardWorkerPool, WORKER_MODES } from '../../infra/local/workers';
import { compile } from '../../infra/compiler';
import { makeSampleShards } from '../fixtures/sample-shards';
import oddKeysPipeline from './fixtures/odd-keys-pipeline';

const PIPELINE_MODULE = path.join(__dirname, 'fixtures', 'odd-keys-pipeline.ts');

async function shardEvent(dir: string, uri: string): Promise<JsonValue> {
  return {
    task: {
      pipeline: 'odd-keys',
      stage: 'pairs',
      runId: 'run1',
      runRoot: `file://${dir}/runs/odd-keys/run1`,
      params: {},
      item: { key: path.basename(uri, '.tar'), uri },
      segments: [
        { fn: 'curate', ops: [{ op: 'test.odd_keys', fn: 'curate', args: { keep: 'even' } }] },
      ],
    },
    segment: 0,
  };
}

describe('shard worker pools', () => {
  let dir: string;
  let shard: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-workers-'));
    const { paths } = await makeSampleShards(path.join(dir, 'inputs'), {
      shards: 1,
      samplesPerShard: 10,
      seed: 3,
      broken: false,
    });
    shard = paths[0]!;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(WORKER_MODES)(
    '%s: runs the TS handler with the pipeline module’s own operators',
    async (mode) => {
      const pool = createShardWorkerPool({ pipelineModule: PIPELINE_MODULE, mode, size: 2 });
      try {
        const result = await pool.run(await shardEvent(path.join(dir, mode), `file://${shard}`));
        expect(result).toMatchObject({
          stage: 'pairs',
          shard: 'pairs-000000',
          in: 10,
          kept: 5,
          rejected: { 'test.odd_keys:odd_key': 5 },
        });
      } finally {
        await pool.close();
      }
    },
  );

  it.each(WORKER_MODES)(
    '%s: a handler error keeps its name across the worker boundary',
    async (mode) => {
      const pool = createShardWorkerPool({ pipelineModule: PIPELINE_MODULE, mode, size: 1 });
      try {
        const failed = pool.run(
          await shardEvent(path.join(dir, mode), `file://${dir}/inputs/missing.tar`),
        );
        await expect(failed).rejects.toMatchObject({ name: 'ShardError' });
      } finally {
        await pool.close();
      }
    },
  );

  it('runLocal runs a compiled pipeline with a custom operator through the thread pool', async () => {
    const workdir = path.join(dir, 'e2e');
    const { paths } = await makeSampleShards(path.join(workdir, 'in'), {
      shards: 3,
      samplesPerShard: 10,
      seed: 5,
      broken: false,
    });
    const result = await runLocal({
      definition: compile(oddKeysPipeline.graph).definition,
      pipeline: { name: oddKeysPipeline.name, modulePath: PIPELINE_MODULE },
      dataRoot: workdir,
      input: { runId: 'run1', inputs: { pairs: `file://${path.dirname(paths[0]!)}` } },
      workerMode: 'threads',
      concurrency: 2,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      runId: 'run1',
      status: 'SUCCEEDED',
      stages: { pairs: { in: 30, kept: 15, rejected: { 'test.odd_keys:odd_key': 15 } } },
    });
  });
});
