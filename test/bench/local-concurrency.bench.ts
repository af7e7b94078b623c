/**
 * Benchmark (not a test): shards/s of the curate handler run by the local runner's worker
 * modes (worker threads, child processes, in-process) on the pairs-basic pipeline. Prints one
 * line per mode; never fails on time.
 *
 *   node --import tsx test/bench/local-concurrency.bench.ts [shards=12] [samplesPerShard=24]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JsonValue } from '../../infra/local/asl';
import { createShardWorkerPool, WORKER_MODES } from '../../infra/local/workers';
import { compile } from '../../infra/compiler';
import pairsBasic from '../../pipelines/pairs-basic';
import { makeSampleShards } from '../fixtures/sample-shards';

const PIPELINE_MODULE = path.resolve(__dirname, '../../pipelines/pairs-basic.ts');

function segmentsOfFirstMap(): JsonValue {
  const states = (compile(pairsBasic.graph).definition as unknown as { States: Record<string, { ItemSelector?: { segments?: JsonValue } }> }).States;
  const map = Object.values(states).find((state) => state.ItemSelector?.segments !== undefined);
  if (!map?.ItemSelector?.segments) throw new Error('pairs-basic has no Distributed Map');
  return map.ItemSelector.segments;
}

async function main(): Promise<void> {
  const shards = Number(process.argv[2] ?? 12);
  const samplesPerShard = Number(process.argv[3] ?? 24);
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-bench-'));
  const { paths } = await makeSampleShards(path.join(dir, 'inputs'), { shards, samplesPerShard, seed: 42 });
  const params = Object.fromEntries(Object.entries(pairsBasic.graph.params).map(([name, spec]) => [name, spec.default]));
  const segments = segmentsOfFirstMap();
  const size = availableParallelism();
  console.log(`${shards} shards x ${samplesPerShard} samples, pairs-basic curate, ${size} cores, pool size ${size}`);

  for (const mode of WORKER_MODES) {
    const runRoot = `file://${dir}/runs/${mode}`;
    const event = (uri: string, run: string): JsonValue => ({
      task: { pipeline: pairsBasic.name, stage: 'pairs', runId: run, runRoot: `${runRoot}/${run}`, params, item: { key: path.basename(uri, '.tar'), uri: `file://${uri}` }, segments },
      segment: 0,
    });
    const started = performance.now();
    const pool = createShardWorkerPool({ pipelineModule: PIPELINE_MODULE, mode, size });
    // Warm-up: one shard per worker, so module loading (tsx compiles the handlers) is not timed.
    await Promise.all(paths.slice(0, size).map((uri) => pool.run(event(uri, 'warmup'))));
    const warm = performance.now();
    await Promise.all(paths.map((uri) => pool.run(event(uri, 'timed'))));
    const done = performance.now();
    await pool.close();
    const seconds = (done - warm) / 1000;
    console.log(
      `${mode.padEnd(10)} ${(shards / seconds).toFixed(2).padStart(6)} shards/s  ${((shards * samplesPerShard) / seconds).toFixed(1).padStart(7)} samples/s  (start-up + warm-up ${((warm - started) / 1000).toFixed(1)} s)`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
