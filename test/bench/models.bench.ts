/**
 * Benchmark (not a test): images/s per core of model.classify and caption.generate over a
 * shard of real 512 px JPEGs, run through the shard loop as a caption function runs them
 * (decode, preprocess, batch, infer, generate, json), next to a raw `InferenceSession.run`
 * loop over the same preprocessed inputs in the same run, and the ratio (operator / raw).
 *
 *   node --import tsx test/bench/models.bench.ts [--models <dir>] [--images 32] [--reps 3]
 *
 * --models: a folder holding a classifier and a captioner folder (e.g. from
 * `python3 scripts/models/make_fixture_models.py --preset bench --out <dir>`); default: the
 * committed fixtures. The raw captioner loop runs the encoder once per batch and the decoder
 * once per generated position over the whole batch (the operator's greedy search stops rows
 * at EOS, so it can come out faster than "raw"). Prints JSON; never fails on time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runShardLoop } from '../../lambdas/handlers/shard-loop';
import { captionIds, loadCaptioner } from '../../lambdas/models/captioner';
import { loadClassifier } from '../../lambdas/models/classifier';
import { preprocessImages } from '../../lambdas/models/image-batch';
import { modelThreads, releaseSessions } from '../../lambdas/models/session';
import { captionGenerate } from '../../lambdas/ops/caption-generate';
import { modelClassify } from '../../lambdas/ops/model-classify';
import type { OperatorDeclaration } from '../../lambdas/ops/operator';
import type { Sample } from '../../lambdas/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import { photo } from '../fixtures/images';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    images: { type: 'string', default: '32' },
    reps: { type: 'string', default: '3' },
  },
});
const FIXTURES = path.resolve(__dirname, '../fixtures/models');
const modelsDir = path.resolve(values.models ?? FIXTURES);
const imageCount = Number(values.images);
const reps = Number(values.reps);

/** The first subfolder holding `file` (onnx/model.onnx: classifier; encoder: captioner). */
function findModel(file: string): string {
  const found = readdirSync(modelsDir)
    .sort()
    .map((name) => path.join(modelsDir, name))
    .find((dir) => existsSync(path.join(dir, file)));
  if (!found) throw new Error(`no folder with ${file} under ${modelsDir}`);
  return found;
}

async function shard(): Promise<Sample[]> {
  return Promise.all(
    Array.from({ length: imageCount }, async (_, i) => ({
      key: `bench-${String(i).padStart(4, '0')}`,
      parts: {
        jpg: await photo(512, 512 - (i % 4) * 64, { seed: 100 + i }),
        txt: Buffer.from(`original alt text ${i}`),
        json: Buffer.from(JSON.stringify({ url: `https://example.com/${i}.jpg` })),
      },
    })),
  );
}

/** Median seconds of `reps` timed runs after one warm-up. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  await run();
  const seconds: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    await run();
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds.sort((a, b) => a - b)[Math.floor(seconds.length / 2)]!;
}

async function operatorSeconds(
  decl: OperatorDeclaration,
  args: Record<string, unknown>,
  samples: readonly Sample[],
): Promise<number> {
  const instance = await decl.create(decl.params.parse(args), { runRoot: '', shardKey: 'bench' });
  const sink = { add: () => undefined };
  return timed(async () => {
    async function* records(): AsyncIterable<SourceRecord> {
      for (const sample of samples) yield { kind: 'sample', sample };
    }
    const result = await runShardLoop(records(), [{ op: decl.kind, instance }], {
      kept: sink,
      rejected: sink,
    });
    if (result.in !== samples.length) throw new Error('the shard loop lost samples');
  });
}

function report(name: string, model: string, batchSize: number, op: number, raw: number) {
  const threads = modelThreads();
  const perCore = (seconds: number) => Math.round((imageCount / seconds / threads) * 100) / 100;
  return {
    operator: name,
    model,
    batch_size: batchSize,
    operator_images_per_s_per_core: perCore(op),
    raw_session_run_images_per_s_per_core: perCore(raw),
    ratio: Math.round((raw / op) * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const cache = await mkdtemp(path.join(tmpdir(), 'vlmflow-models-bench-'));
  process.env.VLMFLOW_MODEL_CACHE = cache;
  try {
    const samples = await shard();
    const classifierDir = findModel('onnx/model.onnx');
    const captionerDir = findModel('onnx/encoder_model.onnx');
    const results = [];

    const classifyBatch = 16;
    const classifier = await loadClassifier(classifierDir);
    const classifierInputs = await batchesOf(classifier.preprocessor, samples, classifyBatch);
    const { height, width } = classifier.preprocessor;
    const rawClassify = await timed(async () => {
      for (const { pixels, count } of classifierInputs) {
        const input = new classifier.ort.Tensor(
          'float32',
          pixels.subarray(0, count * 3 * height * width),
          [count, 3, height, width],
        );
        await classifier.session.run({ pixel_values: input });
      }
    });
    const opClassify = await operatorSeconds(
      modelClassify,
      { model: classifierDir, thresholds: {}, batchSize: classifyBatch },
      samples,
    );
    results.push(report('model.classify', classifierDir, classifyBatch, opClassify, rawClassify));

    const captionBatch = 8;
    const maxNewTokens = 30;
    const captioner = await loadCaptioner(captionerDir);
    const captionInputs = await batchesOf(captioner.preprocessor, samples, captionBatch);
    // Generated lengths per batch, so the raw loop runs as many decoder positions.
    const lengths = await Promise.all(
      captionInputs.map(async ({ pixels, count }) => {
        const ids = await captionIds(captioner, pixels, count, { maxNewTokens, numBeams: 1 });
        return Math.min(maxNewTokens, Math.max(...ids.map((row) => row.length + 1)));
      }),
    );
    const ch = captioner.preprocessor;
    const rawCaption = await timed(async () => {
      for (const [b, { pixels, count }] of captionInputs.entries()) {
        const input = new captioner.ort.Tensor(
          'float32',
          pixels.subarray(0, count * 3 * ch.height * ch.width),
          [count, 3, ch.height, ch.width],
        );
        const { last_hidden_state: states } = await captioner.encoder.run({ pixel_values: input });
        for (let length = 1; length <= lengths[b]!; length++) {
          const ids = new BigInt64Array(count * length).fill(BigInt(captioner.startTokenId));
          await captioner.decoder.run({
            input_ids: new captioner.ort.Tensor('int64', ids, [count, length]),
            encoder_hidden_states: states!,
          });
        }
      }
    });
    const opCaption = await operatorSeconds(
      captionGenerate,
      { model: captionerDir, batchSize: captionBatch, maxNewTokens },
      samples,
    );
    results.push(report('caption.generate', captionerDir, captionBatch, opCaption, rawCaption));

    console.log(
      JSON.stringify(
        { images: imageCount, image_size: '512 px JPEG', threads: modelThreads(), reps, results },
        null,
        2,
      ),
    );
  } finally {
    await releaseSessions();
    await rm(cache, { recursive: true, force: true });
  }
}

/** The shard's images preprocessed once, in model batches (outside any timing). */
async function batchesOf(
  preprocessor: Parameters<typeof preprocessImages>[0],
  samples: readonly Sample[],
  size: number,
) {
  const batches = [];
  for (let from = 0; from < samples.length; from += size)
    batches.push(await preprocessImages(preprocessor, samples.slice(from, from + size)));
  return batches;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
