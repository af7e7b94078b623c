/**
 * Benchmark (not a test): 10,000 tiny shards through the local runner (compiled ASL, worker
 * processes, file storage). Prints shards/s, the runner's peak RSS and the largest state data
 * Finalize saw. Never fails on time.
 *
 *   node --import tsx test/bench/scale.bench.ts [--shards 10000] [--concurrency N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { compile } from '../../infra/compiler';
import { productionHandler } from '../../infra/local/handlers';
import { stateDataBytes } from '../../infra/local/lambda-invoke';
import { runLocal } from '../../infra/local/runner';
import type { RunSummary } from '../../core/contracts';
import tinyText from '../reliability/fixtures/tiny-text';
import { makeTinyShards, TINY_PIPELINE_MODULE } from '../reliability/scale-fixtures';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      shards: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: String(availableParallelism()) },
    },
  });
  const shards = Number(values.shards);
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-scale-bench-'));
  try {
    await makeTinyShards(path.join(dir, 'inputs', 'texts'), shards);
    let largestState = 0;
    let rssPeak = 0;
    const sampler = setInterval(
      () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)),
      250,
    );
    const started = performance.now();
    const result = await runLocal({
      definition: compile(tinyText.graph).definition,
      pipeline: { name: 'tiny-text', modulePath: TINY_PIPELINE_MODULE },
      dataRoot: dir,
      input: { runId: 'bench' },
      concurrency: Number(values.concurrency),
      handlers: {
        finalize: async (event) => {
          const ref = await productionHandler('finalize')(event);
          largestState = Math.max(largestState, stateDataBytes(event), stateDataBytes(ref));
          return ref;
        },
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const summary = result.output as unknown as RunSummary;
    console.log(
      `${result.status}: ${shards} shards, in ${summary.stages.texts?.in}, kept ${summary.stages.texts?.kept}`,
    );
    console.log(
      `runner: ${(shards / seconds).toFixed(1)} shards/s (${seconds.toFixed(1)} s, concurrency ${values.concurrency}, ${cpus().length} cores)`,
    );
    console.log(
      `runner process peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB ` +
        `(sampled ${Math.round(rssPeak / 2 ** 20)} MiB); largest Finalize state ${largestState} bytes`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
