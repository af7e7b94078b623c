/**
 * Benchmark (not a test): curate throughput per core, images/s, on large photo-like JPEGs,
 * next to a bare sharp decode+resize+encode loop over the same images in the same process.
 * Curate is the real handler of pairs-basic, invoked in-process with the event the compiled
 * state machine sends: tar read, decode check, size, text, resize + re-encode, tar writes, stats.
 * Prints figures; never fails on time.
 *
 *   npm run bench [-- [--json] [--images 48] [--reps 5]]
 *
 * --json prints one line: {"curate_images_per_s", "bare_sharp_images_per_s", "ratio", …}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { ShardEvent } from '../../lambdas/handlers/contracts';
import { createShardHandler } from '../../lambdas/handlers/curate';
import { toFileUri } from '../../lambdas/shards/uri';
import pairsBasic from '../../pipelines/pairs-basic';
import { makeBenchImages } from '../fixtures/sample-shards';
import { printHuman, rate, type CuratePass, type Measured } from './curate-bench-report';
import { pairsBasicEvent, readOpTimings, writeImageShard } from './curate-bench-setup';

const SEED = 7;

interface Options {
  readonly json: boolean;
  readonly images: number;
  readonly reps: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      images: { type: 'string', default: '48' },
      reps: { type: 'string', default: '5' },
    },
  });
  const images = Number(values.images);
  const reps = Number(values.reps);
  for (const [name, n] of [
    ['--images', images],
    ['--reps', reps],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${name}: expected a positive integer, got ${n}`);
  }
  return { json: values.json, images, reps };
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
async function bareSharpPass(images: readonly Buffer[]): Promise<Measured> {
  return measure(async () => {
    for (const image of images) {
      await sharp(image)
        .resize(980, 980, { fit: 'inside', withoutEnlargement: true })
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

/** The same task with image.decode only reading headers: what the verification decode costs. */
function withHeaderOnlyDecode(event: ShardEvent): ShardEvent {
  const segments = event.task.segments.map((segment) => ({
    ...segment,
    ops: segment.ops.map((use) =>
      use.op === 'image.decode' ? { ...use, args: { ...use.args, verify: 'header' } } : use,
    ),
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
    `pairs-basic curate vs bare sharp: ${opts.images} photo-like JPEGs (q90, 1024–2048 px), ${opts.reps} repetitions each`,
  );
  say(
    `cpu ${machine.cpu} × ${machine.cores} cores; node ${machine.node}; sharp ${machine.sharp}, libvips ${machine.vips}; sharp.concurrency ${sharp.concurrency()}`,
  );

  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-curate-bench-'));
  try {
    const generating = performance.now();
    const images = await makeBenchImages(opts.images, SEED);
    const megabytes = images.reduce((sum, b) => sum + b.length, 0) / 1e6;
    say(
      `generated ${images.length} images, ${megabytes.toFixed(1)} MB, in ${((performance.now() - generating) / 1000).toFixed(1)} s (not timed)`,
    );
    const item = await writeImageShard(dir, 'bench-000000', images);

    const handler = createShardHandler(pairsBasic.operators);
    const runsRoot = toFileUri(path.join(dir, 'runs'));
    const eventFor = (runId: string): ShardEvent =>
      pairsBasicEvent(`${runsRoot}/${runId}`, runId, item);

    // Warm-up: module code paths, libvips start-up, file system caches.
    await bareSharpPass(images);
    await curatePass(handler, eventFor('warmup'), images.length);
    const loadBefore = loadavg()[0]!;

    const bare: Measured[] = [];
    const curate: CuratePass[] = [];
    const headerOnly: CuratePass[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      bare.push(await bareSharpPass(images));
      curate.push(await curatePass(handler, eventFor(`rep-${rep}`), images.length));
      // Human mode only: the same path without the verification decode, to attribute its cost.
      if (!opts.json) {
        headerOnly.push(
          await curatePass(handler, withHeaderOnlyDecode(eventFor(`header-${rep}`)), images.length),
        );
      }
      const secs = (m: Measured): string =>
        `${(m.ms / 1000).toFixed(2)} s (cpu ${(m.cpuMs / 1000).toFixed(2)} s)`;
      say(
        `  rep ${rep + 1}: bare ${secs(bare.at(-1)!)}, curate ${secs(curate.at(-1)!)}${opts.json ? '' : `, curate verify=header ${secs(headerOnly.at(-1)!)}`}`,
      );
    }
    const load = Math.max(loadBefore, loadavg()[0]!);

    if (opts.json) {
      const wall = {
        curate: rate(curate, images.length, 'ms'),
        bare: rate(bare, images.length, 'ms'),
      };
      const cpu = {
        curate: rate(curate, images.length, 'cpuMs'),
        bare: rate(bare, images.length, 'cpuMs'),
      };
      console.log(
        JSON.stringify({
          curate_images_per_s: round(wall.curate),
          bare_sharp_images_per_s: round(wall.bare),
          ratio: round(wall.curate / wall.bare, 3),
          curate_images_per_cpu_s: round(cpu.curate),
          bare_sharp_images_per_cpu_s: round(cpu.bare),
          cpu_ratio: round(cpu.curate / cpu.bare, 3),
          images: images.length,
          repetitions: opts.reps,
          load_avg_1m: round(load),
          ...machine,
        }),
      );
      return;
    }
    printHuman(
      { images: images.length, bare, curate, headerOnly, load, cores: machine.cores },
      say,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
