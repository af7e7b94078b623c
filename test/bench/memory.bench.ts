/**
 * Benchmark (not a test): peak RSS of the curate handler over a 1 GiB shard, next to a 64 MiB
 * one, each in a fresh process. The shard is built by streaming (never held in memory). Prints
 * figures; never fails.
 *
 *   node --import tsx test/bench/memory.bench.ts [--mib 1024] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildShard, curateShard } from '../reliability/memory-probe';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '1024' },
      json: { type: 'boolean', default: false },
    },
  });
  const mib = Number(values.mib);
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-memory-bench-'));
  try {
    const rows = [];
    for (const size of [64, mib]) {
      const shard = path.join(dir, `shard-${size}.tar`);
      await buildShard(shard, size);
      const work = path.join(dir, `work-${size}`);
      rows.push(await curateShard(shard, work));
      // Free the disk before the next size: the input and its curated copy are each that big.
      await Promise.all([rm(shard, { force: true }), rm(work, { recursive: true, force: true })]);
    }
    if (values.json) return void console.log(JSON.stringify(rows));
    for (const r of rows) {
      const gib = (r.shardBytes / 2 ** 30).toFixed(2);
      console.log(
        `shard ${gib} GiB (${r.in} samples): curate peak RSS ${r.peakRssMiB} MiB, ${r.seconds} s, ` +
          `${Math.round(r.shardBytes / 2 ** 20 / r.seconds)} MiB/s`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
