/**
 * Runs in a fresh process so that its peak RSS is the curate handler's alone (used by
 * memory.bench.ts and test/reliability/memory.test.ts):
 *
 *   node --import tsx test/bench/curate-memory-probe.ts build <shard.tar> <MiB>
 *   node --import tsx test/bench/curate-memory-probe.ts curate <shard.tar> <workdir>
 *
 * `build` streams a shard of 1 MiB samples (a `.bin` member and a caption) to disk, never
 * holding it in memory; `curate` runs the real curate handler (text.length) over it and prints
 * one JSON line: {shardBytes, peakRssMiB, in, kept, seconds}.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createShardHandler } from '../../lambdas/handlers/curate';
import { ops } from '../../core/ops';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';

const MiB = 1024 * 1024;

async function build(file: string, mib: number): Promise<void> {
  const writer = new ShardWriter(toFileUri(file));
  for (let i = 0; i < mib; i++) {
    // A fresh buffer per sample, as a reader would produce: nothing is shared between samples.
    await writer.add({
      key: `s${String(i).padStart(7, '0')}`,
      parts: {
        bin: Buffer.alloc(MiB - 64, i % 251),
        txt: Buffer.from(i % 10 === 0 ? 'x' : `caption of sample ${i}`),
      },
    });
  }
  await writer.close();
}

/**
 * This process's true peak RSS, not a sampled value. Linux keeps getrusage's maxRSS across
 * execve, so a child of a big jest worker would report the worker's peak; VmHWM belongs to the
 * new address space and starts fresh at exec. Other systems fall back to maxRSS.
 */
function peakRssMiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round(Number(hwm[1]) / 1024);
  } catch {
    // no procfs
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function curate(file: string, workdir: string): Promise<void> {
  const handler = createShardHandler([ops.text.length]);
  const started = performance.now();
  const result = await handler({
    task: {
      pipeline: 'tiny-text',
      stage: 'texts',
      runId: 'memory',
      runRoot: toFileUri(path.join(workdir, 'runs', 'tiny-text', 'memory')),
      params: {},
      item: { key: path.basename(file, '.tar'), uri: toFileUri(file) },
      segments: [{ fn: 'curate', ops: [{ op: 'text.length', fn: 'curate', args: {} }] }],
    },
    segment: 0,
  });
  const line = {
    shardBytes: (await stat(file)).size,
    peakRssMiB: peakRssMiB(),
    in: result.in,
    kept: result.kept,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
  console.log(JSON.stringify(line));
}

const [mode, file, arg] = process.argv.slice(2);
if (mode === 'build' && file && arg) void build(file, Number(arg));
else if (mode === 'curate' && file && arg) void curate(file, arg);
else {
  console.error(
    'usage: curate-memory-probe.ts build <shard.tar> <MiB> | curate <shard.tar> <workdir>',
  );
  process.exitCode = 2;
}
