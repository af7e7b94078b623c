/**
 * Benchmark (not a test): curate throughput per core, images/s, on large photo-like JPEGs
 * resized to a 512 px longest edge, next to (b) a bare sharp decode+resize+encode loop and
 * (c) img2dataset's own Resizer (OpenCV, in Python) over the same images, all in one run; then
 * per Lambda, the handler with samples in flight against the sequential one; then curate in 2
 * processes vs 1; then dollars per million images on Lambda and on EC2 from the measured CPU
 * time (lambdas/report/per-million.ts). Curate is the real handler of pairs-basic (every
 * operator of it), invoked with the event the compiled state machine sends. Prints figures;
 * never fails on time.
 *
 *   npm run bench [-- [--json] [--images 48] [--reps 5] [--longest-edge 512] [--no-scaling]
 *                    [--in-flight 3] [--no-in-flight]]
 *
 * --json prints one line: {"curate_images_per_s", …, "curate_vs_img2dataset_cpu",
 * "in_flight_speedup", "usd_per_million_lambda", "usd_per_million_img2dataset_ec2", …}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { ShardEvent } from '../../core/contracts';
import { samplesInFlightFor } from '../../core/lambda-vcpus';
import { createShardHandler } from '../../lambdas/handlers/curate';
import { DEFAULT_PRICES } from '../../lambdas/report';
import { inFlightPasses, type InFlightPasses } from './curate-bench-in-flight';
import { perMillionFigures } from './curate-bench-cost';
import { toFileUri } from '../../core/uri';
import pairsBasic from '../../pipelines/pairs-basic';
import { makeBenchImages } from '../fixtures/sample-shards';
import { curateInProcesses, img2datasetPasses } from './curate-bench-external';
import { printHuman, rate, speedup, type CuratePass, type Measured } from './curate-bench-report';
import {
  pairsBasicEvent,
  readOpTimings,
  writeImageFiles,
  writeImageShard,
} from './curate-bench-setup';

const SEED = 7;

function options() {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      images: { type: 'string', default: '48' },
      reps: { type: 'string', default: '5' },
      'longest-edge': { type: 'string', default: '512' },
      'no-scaling': { type: 'boolean', default: false },
      // The stack's setting for the curate function's memory (core/lambda-vcpus.ts).
      'in-flight': {
        type: 'string',
        default: String(samplesInFlightFor(DEFAULT_PRICES.assumptions.lambdaMemoryMiB.curate!)),
      },
      'no-in-flight': { type: 'boolean', default: false },
    },
  });
  const numbers = {
    images: Number(values.images),
    reps: Number(values.reps),
    longestEdge: Number(values['longest-edge']),
    inFlight: Number(values['in-flight']),
  };
  for (const [name, n] of Object.entries(numbers)) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${name}: expected a positive integer, got ${n}`);
  }
  return {
    json: values.json,
    scaling: !values['no-scaling'],
    measureInFlight: !values['no-in-flight'],
    ...numbers,
  };
}

/** CPU time covers every thread of this process: JS, libuv's pool where sharp runs, GC. */
async function measure<T>(work: () => Promise<T>): Promise<Measured & { readonly value: T }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, value };
}

/** pairs-basic's image.resize output settings, without the curate path around them. */
async function bareSharpPass(images: readonly Buffer[], edge: number): Promise<Measured> {
  return measure(async () => {
    for (const image of images) {
      await sharp(image)
        .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 90 })
        .toBuffer();
    }
  });
}

/** One handler call over the whole shard in a fresh run folder (the handler skips done shards). */
async function curatePass(
  handler: ReturnType<typeof createShardHandler>,
  event: ShardEvent,
  images: number,
): Promise<CuratePass> {
  const { value: result, ms, cpuMs } = await measure(() => handler(event));
  if (result.in !== images || result.kept !== images) {
    throw new Error(
      `curate kept ${result.kept} of ${result.in}, expected all ${images}: ${JSON.stringify(result.rejected)}`,
    );
  }
  return { ms, cpuMs, opMs: await readOpTimings(event) };
}

/** The event with one operator left out of every segment. */
function without(op: string, event: ShardEvent): ShardEvent {
  const segments = event.task.segments.map((s) => ({
    ...s,
    ops: s.ops.filter((use) => use.op !== op),
  }));
  return { ...event, task: { ...event.task, segments } };
}

async function main(): Promise<void> {
  const opts = options();
  // One libvips thread and no operation cache: "per core" is honest, and repeated passes over
  // the same buffers cannot be served from cache (real shards never repeat an image).
  sharp.concurrency(1);
  sharp.cache(false);
  const say = (line: string): void => {
    if (!opts.json) console.log(line);
  };
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    sharp: sharp.versions.sharp,
    vips: sharp.versions.vips ?? 'unknown',
  };
  say(
    `pairs-basic curate vs bare sharp vs img2dataset: ${opts.images} photo-like JPEGs (q90, 1024–2048 px) → ${opts.longestEdge} px longest edge, ${opts.reps} repetitions`,
  );
  say(
    `cpu ${machine.cpu} × ${machine.cores} cores; node ${machine.node}; sharp ${machine.sharp}, libvips ${machine.vips}; sharp.concurrency ${sharp.concurrency()}`,
  );

  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-curate-bench-'));
  try {
    const images = await makeBenchImages(opts.images, SEED);
    say(
      `generated ${images.length} images, ${(images.reduce((s, b) => s + b.length, 0) / 1e6).toFixed(1)} MB (not timed)`,
    );
    const item = await writeImageShard(dir, 'bench-000000', images);
    const files = await writeImageFiles(path.join(dir, 'files'), images);

    // Per core: one sample at a time, one libvips thread.
    const handler = createShardHandler(pairsBasic.operators, { inFlight: 1 });
    const runsRoot = toFileUri(path.join(dir, 'runs'));
    const eventFor = (runId: string): ShardEvent =>
      pairsBasicEvent(`${runsRoot}/${runId}`, runId, item, { longestEdge: opts.longestEdge });

    // Warm-up: module code paths, libvips start-up, file system caches.
    await bareSharpPass(images, opts.longestEdge);
    await curatePass(handler, eventFor('warmup'), images.length);
    const loadBefore = loadavg()[0]!;
    const bare: Measured[] = [];
    const curate: CuratePass[] = [];
    const withoutPhash: CuratePass[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      bare.push(await bareSharpPass(images, opts.longestEdge));
      curate.push(await curatePass(handler, eventFor(`rep-${rep}`), images.length));
      // The same task without the one operator that needs a second pixel pipeline per image.
      const noPhash = without('dedup.phash', eventFor(`nophash-${rep}`));
      withoutPhash.push(await curatePass(handler, noPhash, images.length));
      const secs = (m: Measured) =>
        `${(m.ms / 1000).toFixed(2)} s (cpu ${(m.cpuMs / 1000).toFixed(2)} s)`;
      say(
        `  rep ${rep + 1}: bare ${secs(bare.at(-1)!)}, curate ${secs(curate.at(-1)!)}, without dedup.phash ${secs(withoutPhash.at(-1)!)}`,
      );
    }
    const i2d = await img2datasetPasses(files, opts.longestEdge, opts.reps);
    if ('error' in i2d) say(`  ${i2d.error}`);
    else
      say(
        `  img2dataset ${i2d.version} (OpenCV ${i2d.opencv}): ${i2d.passes.map((p) => (p.ms / 1000).toFixed(2)).join(', ')} s`,
      );
    const perLambda: InFlightPasses | undefined = opts.measureInFlight
      ? await inFlightPasses(eventFor, opts.inFlight, opts.reps, (work) => measure(work))
      : undefined;
    if (perLambda)
      say(
        `  per Lambda: sequential ${perLambda.sequential.map((p) => (p.ms / 1000).toFixed(2)).join(', ')} s; ${perLambda.samplesInFlight} in flight ${perLambda.inFlight.map((p) => (p.ms / 1000).toFixed(2)).join(', ')} s`,
      );
    const scalingArgs = {
      shardUri: item.uri,
      runsRoot,
      reps: opts.reps,
      longestEdge: opts.longestEdge,
      images: images.length,
    };
    const scaling = opts.scaling
      ? {
          one: await curateInProcesses(1, scalingArgs),
          two: await curateInProcesses(2, scalingArgs),
        }
      : undefined;
    const load = Math.max(loadBefore, loadavg()[0]!);
    const i2dPasses = 'error' in i2d ? undefined : i2d.passes;
    const costs = perMillionFigures({
      images: images.length,
      curate,
      img2dataset: i2dPasses,
      perLambda,
      cores: machine.cores,
    });

    if (opts.json) {
      const r = (passes: readonly Measured[], clock: keyof Measured) =>
        rate(passes, images.length, clock);
      console.log(
        JSON.stringify({
          curate_images_per_s: round(r(curate, 'ms')),
          bare_sharp_images_per_s: round(r(bare, 'ms')),
          ratio: round(r(curate, 'ms') / r(bare, 'ms'), 3),
          curate_images_per_cpu_s: round(r(curate, 'cpuMs')),
          bare_sharp_images_per_cpu_s: round(r(bare, 'cpuMs')),
          cpu_ratio: round(r(curate, 'cpuMs') / r(bare, 'cpuMs'), 3),
          cpu_ratio_without_phash: round(r(withoutPhash, 'cpuMs') / r(bare, 'cpuMs'), 3),
          img2dataset_images_per_s: i2dPasses ? round(r(i2dPasses, 'ms')) : null,
          img2dataset_images_per_cpu_s: i2dPasses ? round(r(i2dPasses, 'cpuMs')) : null,
          curate_vs_img2dataset: i2dPasses ? round(r(curate, 'ms') / r(i2dPasses, 'ms'), 3) : null,
          curate_vs_img2dataset_cpu: i2dPasses
            ? round(r(curate, 'cpuMs') / r(i2dPasses, 'cpuMs'), 3)
            : null,
          two_process_speedup: scaling
            ? round(speedup(scaling.one, scaling.two, images.length), 3)
            : null,
          ...costs.json,
          longest_edge: opts.longestEdge,
          images: images.length,
          repetitions: opts.reps,
          load_avg_1m: round(load),
          ...machine,
        }),
      );
      return;
    }
    printHuman(
      {
        images: images.length,
        longestEdge: opts.longestEdge,
        bare,
        curate,
        withoutPhash,
        img2dataset: 'error' in i2d ? i2d.error : i2d.passes,
        ...(scaling ? { scaling } : {}),
        load,
        cores: machine.cores,
      },
      say,
    );
    for (const line of costs.lines) say(line);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
