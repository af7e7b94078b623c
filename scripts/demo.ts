/**
 * `npm run demo`: generates deterministic sample shards (photo-like images with captions, real
 * photographs from scikit-image, the cases the recipe filters — blurred, near-uniform,
 * non-English, mismatched captions — and a few broken samples) under work/demo/inputs/pairs — the default input location of
 * pipelines/cauldron.ts under the data root work/demo — makes the tiny random-weight vision and
 * language models the connector trains between (work/demo/models, once), and runs cauldron
 * locally through the CLI, exactly as a user would: curation, the NSFW classifier (the real
 * nsfwjs model), CLIP scores and synthetic captions (committed random-weight fixtures), then a short connector training run. Extra
 * arguments go to `vlmflow run` (e.g. `npm run demo -- --param train=false`).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ensurePython } from '../infra/local/python-env';
import { makeSampleShards } from '../test/fixtures/sample-shards';

const ROOT = path.resolve(__dirname, '..');
const WORKDIR = path.join(ROOT, 'work', 'demo');
const INPUT = path.join(WORKDIR, 'inputs', 'pairs');
const MODELS = path.join(WORKDIR, 'models');
/** With the recipe's cases: real photographs, blurred, uniform, other languages, mismatched captions. */
const SHARDS = { shards: 8, samplesPerShard: 48, seed: 2024, curationCases: true };
const PIPELINE = 'cauldron';
/** A demo, not a training run: enough steps to see the loss move, seconds on two cores. */
const DEMO_PARAMS = ['trainSteps=20'];

async function ensureSampleShards(): Promise<void> {
  const stamp = path.join(INPUT, '.generated.json');
  const wanted = JSON.stringify(SHARDS);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    console.log(`sample shards already in ${INPUT}`);
    return;
  }
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
}

/** The connector's frozen models (`models/tiny-vision`, `models/tiny-lm` under the data root). */
async function ensureTrainingModels(): Promise<void> {
  if (existsSync(path.join(MODELS, 'tiny-vision')) && existsSync(path.join(MODELS, 'tiny-lm'))) {
    console.log(`tiny training models already in ${MODELS}`);
    return;
  }
  console.log(`making tiny random-weight vision and language models in ${MODELS} …`);
  const python = await ensurePython({ log: (line) => console.log(`  ${line}`) });
  await promisify(execFile)(python, ['-m', 'resampler.tiny_models', '--out', MODELS], {
    cwd: path.join(ROOT, 'gpu-jobs', 'resampler'),
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
}

async function main(): Promise<void> {
  await ensureSampleShards();
  await ensureTrainingModels();

  const args = [
    'run',
    PIPELINE,
    '--local',
    '--workdir',
    WORKDIR,
    ...DEMO_PARAMS.flatMap((p) => ['--param', p]),
    ...process.argv.slice(2),
  ];
  console.log(`\n$ vlmflow ${args.join(' ')}`);
  const run = spawnSync(path.join(ROOT, 'bin', 'vlmflow'), args, { stdio: 'inherit', cwd: ROOT });
  if (run.status !== 0) process.exit(run.status ?? 1);
  console.log(`\noutputs: ${path.join(WORKDIR, 'runs', PIPELINE)}/<runId>/`);
  console.log(
    '  stages/pairs/*.tar   curated, captioned shards   rejects/pairs/*.tar   rejected samples, json.reject = {op, reason}',
  );
  console.log(
    '  stats/pairs/*.json   per-shard counts            datasets/pairs/manifest.json   dataset manifest with sha256 and lineage',
  );
  console.log(
    '  models/connector/    export/ (Idefics2 model + processor + model card), samples.json, metrics.json',
  );
  console.log('  report/index.html    the run report (open it in a browser)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
