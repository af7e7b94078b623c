/**
 * `npm run demo`: generates deterministic sample shards (photo-like images with captions and a
 * few broken samples) under work/demo/inputs/pairs — the default input location of
 * pipelines/pairs-basic.ts under the data root work/demo — and runs that pipeline locally
 * through the CLI, exactly as a user would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeSampleShards } from '../test/fixtures/sample-shards';

const ROOT = path.resolve(__dirname, '..');
const WORKDIR = path.join(ROOT, 'work', 'demo');
const INPUT = path.join(WORKDIR, 'inputs', 'pairs');
const SHARDS = { shards: 8, samplesPerShard: 48, seed: 2024 };

async function main(): Promise<void> {
  const stamp = path.join(INPUT, '.generated.json');
  const wanted = JSON.stringify(SHARDS);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    console.log(
      `generating ${SHARDS.shards} sample shards × ${SHARDS.samplesPerShard} samples in ${INPUT} …`,
    );
    const info = await makeSampleShards(INPUT, SHARDS);
    writeFileSync(stamp, wanted);
    console.log(
      `  ${info.samples} samples: ${Object.entries(info.kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
  } else {
    console.log(`sample shards already in ${INPUT}`);
  }

  const args = ['run', 'pairs-basic', '--local', '--workdir', WORKDIR, ...process.argv.slice(2)];
  console.log(`\n$ vlmflow ${args.join(' ')}`);
  const run = spawnSync(path.join(ROOT, 'bin', 'vlmflow'), args, { stdio: 'inherit', cwd: ROOT });
  if (run.status !== 0) process.exit(run.status ?? 1);
  console.log(`\noutputs: ${path.join(WORKDIR, 'runs', 'pairs-basic')}/<runId>/`);
  console.log(
    '  stages/pairs/*.tar   curated shards     rejects/pairs/*.tar   rejected samples, json.reject = {op, reason}',
  );
  console.log(
    '  stats/pairs/*.json   per-shard counts   datasets/pairs/manifest.json   dataset manifest with sha256 and lineage',
  );
  console.log('  report/index.html    the run report (open it in a browser)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
