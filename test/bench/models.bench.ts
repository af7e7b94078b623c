/**
 * Benchmark (not a test): images/s per core of model.classify, caption.generate and
 * model.clip_score over a shard of real 512 px JPEGs, run through the shard loop as the caption function runs them
 * (decode, preprocess, batch, infer, generate, json), next to a raw `InferenceSession.run`
 * loop, and the ratio (operator / raw; target ≥ 0.9); then the CPU ms per image that
 * image.blur and image.low_information add (image-quality-bench.ts), and text.language's texts
 * per CPU-second (language-bench.ts).
 *
 *   node --import tsx test/bench/models.bench.ts [--models <dir>] [--images 32] [--reps 5]
 *
 * --models: a folder holding a classifier, a captioner and a CLIP folder (e.g. from
 * `python3 scripts/models/make_fixture_models.py --preset bench --out <dir>`); default: the
 * committed fixtures.
 *
 * "Per core" is exact: onnxruntime runs with 1 intra-op and 1 inter-op thread in both loops
 * (the same sessions), sharp with concurrency 1, and the headline images/s divides by the
 * process's CPU time (process.cpuUsage: every thread), wall time reported beside it. The raw
 * loop replays the very session.run calls the operator made (recorded on one run: same
 * inputs, rows, shapes and number of decoder steps), so the ratio compares like with like.
 * The breakdown splits the operator's CPU per image into preprocessing (sharp decode/resize
 * and normalise, timed alone), inference (the replay) and the rest (generation bookkeeping,
 * cache gathers, json, shard loop). Prints JSON; never fails on time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { runShardLoop } from '../../lambdas/handlers/shard-loop';
import { captionIds, loadCaptioner } from '../../lambdas/models/captioner';
import { loadClassifier } from '../../lambdas/models/classifier';
import { preprocessImages } from '../../lambdas/models/image-batch';
import type { Preprocessor } from '../../lambdas/models/preprocess';
import {
  MODEL_THREADS_ENV,
  releaseSessions,
  type InferenceSession,
} from '../../lambdas/models/session';
import { captionGenerate } from '../../lambdas/ops/caption-generate';
import { modelClassify } from '../../lambdas/ops/model-classify';
import { modelClipScore } from '../../lambdas/ops/model-clip-score';
import { loadClip } from '../../lambdas/models/clip';
import type { Operator } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import { photo } from '../fixtures/images';
import { imageQualityBench } from './image-quality-bench';
import { languageBench } from './language-bench';
import { interleaved, median, recordRuns, replay, type Timing } from './model-replay';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    images: { type: 'string', default: '32' },
    reps: { type: 'string', default: '5' },
    'max-new-tokens': { type: 'string', default: '30' },
  },
});
const FIXTURES = path.resolve(__dirname, '../fixtures/models');
const modelsDir = path.resolve(values.models ?? FIXTURES);
const imageCount = Number(values.images);
const reps = Number(values.reps);
const maxNewTokens = Number(values['max-new-tokens']);

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

/** The operator over the shard through the shard loop, as a caption function runs it. */
async function operatorRun(
  decl: Operator,
  args: Record<string, unknown>,
  samples: readonly Sample[],
): Promise<() => Promise<void>> {
  const instance = await decl.create(decl.params.parse(args), { runRoot: '', shardKey: 'bench' });
  const sink = { add: () => undefined };
  return async () => {
    async function* records(): AsyncIterable<SourceRecord> {
      for (const sample of samples) yield { kind: 'sample', sample };
    }
    const result = await runShardLoop(records(), [{ op: decl.kind, instance }], {
      kept: sink,
      rejected: sink,
    });
    if (result.in !== samples.length) throw new Error('the shard loop lost samples');
  };
}

/** Preprocessing alone, in the operator's batches. */
function preprocessRun(preprocessor: Preprocessor, samples: readonly Sample[], size: number) {
  return async () => {
    for (let from = 0; from < samples.length; from += size)
      await preprocessImages(preprocessor, samples.slice(from, from + size));
  };
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

function summary(
  name: string,
  model: string,
  batchSize: number,
  calls: number,
  t: Record<'operator' | 'raw' | 'preprocess', Timing[]>,
) {
  const perS = (timings: Timing[], key: keyof Timing) =>
    round(imageCount / median(timings.map((x) => x[key])));
  const msPerImage = (timings: Timing[]) =>
    round((median(timings.map((x) => x.cpu)) / imageCount) * 1000, 3);
  const ratios = (key: keyof Timing) => t.raw.map((raw, i) => raw[key] / t.operator[i]![key]);
  const op = msPerImage(t.operator);
  const raw = msPerImage(t.raw);
  const pre = msPerImage(t.preprocess);
  return {
    operator: name,
    model: path.basename(model),
    batch_size: batchSize,
    session_run_calls: calls,
    images_per_cpu_s: { operator: perS(t.operator, 'cpu'), raw_session_run: perS(t.raw, 'cpu') },
    ratio_cpu: round(median(ratios('cpu')), 3),
    images_per_wall_s: { operator: perS(t.operator, 'wall'), raw_session_run: perS(t.raw, 'wall') },
    ratio_wall: round(median(ratios('wall')), 3),
    cpu_ms_per_image: {
      operator: op,
      inference: raw,
      preprocess: pre,
      rest: round(op - raw - pre, 3),
    },
  };
}

async function main(): Promise<void> {
  process.env[MODEL_THREADS_ENV] = '1';
  sharp.concurrency(1);
  const cache = await mkdtemp(path.join(os.tmpdir(), 'vlmflow-models-bench-'));
  process.env.VLMFLOW_MODEL_CACHE = cache;
  const loadBefore = os.loadavg().map((l) => round(l));
  try {
    const samples = await shard();
    const results = [];

    const classifierDir = findModel('onnx/model.onnx');
    const classifyBatch = 16;
    const classifier = await loadClassifier(classifierDir);
    const classify = await operatorRun(
      modelClassify,
      { model: classifierDir, thresholds: {}, batchSize: classifyBatch },
      samples,
    );
    const classifyCalls = await recordRuns(classifier.ort, [classifier.session], classify);
    const classifyTimes = await interleaved(reps, {
      operator: classify,
      raw: () => replay(classifyCalls),
      preprocess: preprocessRun(classifier.preprocessor, samples, classifyBatch),
    });
    results.push(
      summary('model.classify', classifierDir, classifyBatch, classifyCalls.length, classifyTimes),
    );

    const captionerDir = findModel('onnx/encoder_model.onnx');
    const captionBatch = 8;
    const captioner = await loadCaptioner(captionerDir);
    const caption = await operatorRun(
      captionGenerate,
      { model: captionerDir, batchSize: captionBatch, maxNewTokens },
      samples,
    );
    const sessions: InferenceSession[] = [captioner.encoder, captioner.decoder];
    if (captioner.cached) sessions.push(captioner.cached.withPast);
    const captionCalls = await recordRuns(captioner.ort, sessions, caption);
    const captionTimes = await interleaved(reps, {
      operator: caption,
      raw: () => replay(captionCalls),
      preprocess: preprocessRun(captioner.preprocessor, samples, captionBatch),
    });
    results.push({
      ...summary('caption.generate', captionerDir, captionBatch, captionCalls.length, captionTimes),
      kv_cache: captioner.cached !== undefined,
      kv_cache_vs_recompute: captioner.cached
        ? await cacheSpeedup(captioner, samples, captionBatch)
        : null,
    });

    const clipDir = findModel('onnx/vision_model.onnx');
    const clipBatch = 16;
    const clip = await loadClip(clipDir);
    const clipScore = await operatorRun(
      modelClipScore,
      { model: clipDir, minScore: -1, batchSize: clipBatch },
      samples,
    );
    const clipCalls = await recordRuns(clip.ort, [clip.vision, clip.text], clipScore);
    const clipTimes = await interleaved(reps, {
      operator: clipScore,
      raw: () => replay(clipCalls),
      preprocess: preprocessRun(clip.preprocessor, samples, clipBatch),
    });
    results.push(summary('model.clip_score', clipDir, clipBatch, clipCalls.length, clipTimes));

    const imageQuality = await imageQualityBench(samples, reps);
    const languageId = await languageBench(2000, reps);
    console.log(
      JSON.stringify(
        {
          images: imageCount,
          image_size: '512 px JPEG',
          onnxruntime_threads: { intra_op: 1, inter_op: 1 },
          sharp_concurrency: sharp.concurrency(),
          max_new_tokens: maxNewTokens,
          reps,
          cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
          load_average: { before: loadBefore, after: os.loadavg().map((l) => round(l)) },
          results,
          image_quality: imageQuality,
          language_id: languageId,
        },
        null,
        2,
      ),
    );
  } finally {
    await releaseSessions();
    await rm(cache, { recursive: true, force: true });
  }
}

/** Generation alone (encoder + decoder, preprocessed inputs), KV cache vs recomputed prefix. */
async function cacheSpeedup(
  captioner: Awaited<ReturnType<typeof loadCaptioner>>,
  samples: readonly Sample[],
  size: number,
) {
  const batches: Awaited<ReturnType<typeof preprocessImages>>[] = [];
  for (let from = 0; from < samples.length; from += size)
    batches.push(await preprocessImages(captioner.preprocessor, samples.slice(from, from + size)));
  const generateAll = (recomputePrefix: boolean) => async () => {
    for (const { pixels, count } of batches)
      await captionIds(captioner, pixels, count, { maxNewTokens, numBeams: 1, recomputePrefix });
  };
  const t = await interleaved(Math.max(1, Math.floor(reps / 2)), {
    cached: generateAll(false),
    recompute: generateAll(true),
  });
  const perS = (timings: Timing[]) => round(imageCount / median(timings.map((x) => x.cpu)));
  return { images_per_cpu_s: { kv_cache: perS(t.cached), recompute_prefix: perS(t.recompute) } };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
