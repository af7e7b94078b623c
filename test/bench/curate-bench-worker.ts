/**
 * A child process of the curate benchmark: runs the pairs-basic curate handler on one shard,
 * once to warm up and then `reps` times, each in a fresh run folder, and prints one JSON line
 * `{"ms": [...], "cpuMs": [...]}`. Used to measure how curate scales with processes.
 *
 *   node --import tsx curate-bench-worker.ts <shard uri> <runs root uri> <reps> <longest edge> <images>
 */
import sharp from 'sharp';
import { BUILTIN_OPERATORS } from '../../lambdas/ops/index';
import { createShardHandler } from '../../lambdas/handlers/curate';
import { pairsBasicEvent } from './curate-bench-setup';

async function main(): Promise<void> {
  const [uri, runsRoot, repsText, edgeText, imagesText] = process.argv.slice(2);
  if (!uri || !runsRoot || !repsText || !edgeText || !imagesText)
    throw new Error('usage: <shard uri> <runs root uri> <reps> <longest edge> <images>');
  sharp.concurrency(1);
  sharp.cache(false);
  const handler = createShardHandler(Object.values(BUILTIN_OPERATORS));
  const item = { key: 'bench-000000', uri };
  const params = { longestEdge: Number(edgeText) };
  const pass = async (runId: string) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await handler(pairsBasicEvent(`${runsRoot}/${runId}`, runId, item, params));
    if (result.kept !== Number(imagesText)) throw new Error(`kept ${result.kept} of ${result.in}`);
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  };
  await pass(`worker-${process.pid}-warmup`);
  const passes = [];
  for (let rep = 0; rep < Number(repsText); rep++)
    passes.push(await pass(`worker-${process.pid}-${rep}`));
  console.log(JSON.stringify({ ms: passes.map((p) => p.ms), cpuMs: passes.map((p) => p.cpuMs) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
