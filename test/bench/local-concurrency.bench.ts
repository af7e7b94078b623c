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
  const states = (
    compile(pairsBasic.graph).definition as unknown as {
      States: Record<string, { ItemSelector?: { segments?: JsonValue } }>;
    }
  ).States;
  const map = Object.values(states).find((state) => state.ItemSelector?.segments !== undefined);
  if (!map?.ItemSelector?.segments) throw new Error('pairs-basic has no Distributed Map');
  return map.ItemSelector.segments;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const shards = Number(process.argv[2] ?? 12);
  const samplesPerShard = Number(process.argv[3] ?? 24);
  const rounds = Number(process.argv[4] ?? 3);
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-bench-'));
  const { paths } = await makeSampleShards(path.join(dir, 'inputs'), {
    shards,
    samplesPerShard,
    seed: 42,
  });
  const params = Object.fromEntries(
    Object.entries(pairsBasic.graph.params).map(([name, spec]) => [name, spec.default]),
  );
  const segments = segmentsOfFirstMap();
  const size = availableParallelism();
  console.log(
    `${shards} shards x ${samplesPerShard} samples, pairs-basic curate, ${size} cores, pool size ${size}, ${rounds} rounds`,
  );

  const event = (mode: string, uri: string, run: string): JsonValue => ({
    task: {
      pipeline: pairsBasic.name,
      stage: 'pairs',
      runId: run,
      runRoot: `file://${dir}/runs/${mode}/${run}`,
      params,
      item: { key: path.basename(uri, '.tar'), uri: `file://${uri}` },
      segments,
    },
    segment: 0,
  });
  const pools = [];
  for (const mode of WORKER_MODES) {
    const started = performance.now();
    const pool = createShardWorkerPool({ pipelineModule: PIPELINE_MODULE, mode, size });
    // Warm-up: one shard per worker, so module loading (tsx compiles the handlers) is not timed.
    await Promise.all(paths.slice(0, size).map((uri) => pool.run(event(mode, uri, 'warmup'))));
    pools.push({
      mode,
      pool,
      startup: (performance.now() - started) / 1000,
      seconds: [] as number[],
    });
  }
  // Modes take turns each round, so a busy neighbour on the machine slows all of them alike.
  for (let round = 0; round < rounds; round += 1) {
    for (const entry of pools) {
      const began = performance.now();
      await Promise.all(
        paths.map((uri) => entry.pool.run(event(entry.mode, uri, `round${round}`))),
      );
      entry.seconds.push((performance.now() - began) / 1000);
    }
  }
  for (const { mode, pool, startup, seconds } of pools) {
    await pool.close();
    const s = median(seconds);
    console.log(
      `${mode.padEnd(10)} ${(shards / s).toFixed(2).padStart(6)} shards/s  ${((shards * samplesPerShard) / s).toFixed(1).padStart(7)} samples/s` +
        `  (median of ${rounds}; rounds ${seconds.map((x) => (shards / x).toFixed(2)).join(', ')}; start-up + warm-up ${startup.toFixed(1)} s)`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
