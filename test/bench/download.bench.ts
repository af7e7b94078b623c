/**
 * Download throughput (BENCHMARKS.md, "Download"): images per second and per CPU-second
 * ("per core") through vlmflow's download stage (the shard handler running a `format: 'urls'`
 * download segment: list → fetch → sniff → header → tar), next to img2dataset's downloader on
 * the same URL list from the same loopback server, in the same run. The server runs in its own
 * process. img2dataset runs from PATH (`python3 -m venv /tmp/i2d && /tmp/i2d/bin/pip install
 * img2dataset`, then PATH=/tmp/i2d/bin:$PATH) with one process and as many threads as vlmflow
 * has downloads in flight, re-encoding off (`--disable_all_reencoding`) so that both only
 * download and package; without it the benchmark says so and prints vlmflow alone.
 *
 *   node --import tsx test/bench/download.bench.ts [--images 2000] [--concurrency 32] [--side 320]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { ShardTask } from '../../core/contracts';
import { toFileUri } from '../../core/uri';
import { ALLOW_PRIVATE_ENV } from '../../lambdas/download/address-guard';
import { handler } from '../../lambdas/handlers/curate';

const run = promisify(execFile);

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

interface Measured {
  readonly images: number;
  readonly wallS: number;
  readonly cpuS: number;
}

async function startServer(count: number, side: number) {
  const script = path.join(__dirname, 'download-server.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, String(count), String(side), String(Math.round(side * 0.75))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  for await (const line of createInterface({ input: child.stdout! })) {
    const m = /^PORT (\d+) BYTES (\d+)$/.exec(line);
    if (m) return { child, base: `http://127.0.0.1:${m[1]}`, bytes: Number(m[2]) };
  }
  throw new Error('the image server did not start');
}

async function vlmflowDownload(
  list: string,
  rows: number,
  concurrency: number,
  dir: string,
): Promise<Measured> {
  process.env[ALLOW_PRIVATE_ENV] = '1';
  const task: ShardTask = {
    pipeline: 'bench',
    stage: 'urls',
    runId: 'bench',
    runRoot: toFileUri(path.join(dir, 'vlmflow')),
    params: {},
    item: { key: 'list-00000', uri: toFileUri(list), rows: { start: 0, end: rows } },
    segments: [{ fn: 'download', ops: [] }],
    format: 'urls',
    urls: { concurrency, retries: 0 },
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await handler({ task, segment: 0 });
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { images: result.kept, wallS, cpuS: (used.user + used.system) / 1e6 };
}

async function img2datasetDownload(
  list: string,
  concurrency: number,
  dir: string,
): Promise<Measured | string> {
  const out = path.join(dir, 'img2dataset');
  try {
    const { stderr } = await run(
      '/usr/bin/time',
      [
        '-f',
        'TIME %e %U %S',
        'img2dataset',
        '--url_list',
        list,
        '--input_format',
        'csv',
        '--url_col',
        'url',
        '--caption_col',
        'caption',
        '--output_format',
        'webdataset',
        '--output_folder',
        out,
        '--processes_count',
        '1',
        '--thread_count',
        String(concurrency),
        '--number_sample_per_shard',
        '1000000',
        '--disable_all_reencoding',
        'True',
        '--disallowed_header_directives',
        '[]',
        '--retries',
        '0',
        '--enable_wandb',
        'False',
      ],
      { maxBuffer: 64 << 20, env: { ...process.env, NO_ALBUMENTATIONS_UPDATE: '1' } },
    );
    const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    if (!m) return `img2dataset ran but /usr/bin/time printed no figures: ${stderr.slice(-300)}`;
    const stats = JSON.parse(await readFile(path.join(out, '00000_stats.json'), 'utf8')) as {
      successes: number;
    };
    return { images: stats.successes, wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `img2dataset did not run (python3 -m venv /tmp/i2d && /tmp/i2d/bin/pip install img2dataset; PATH=/tmp/i2d/bin:$PATH): ${message.split('\n')[0]}`;
  }
}

async function main(): Promise<void> {
  const images = flag('images', 2000);
  const concurrency = flag('concurrency', 32);
  const side = flag('side', 320);
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-download-bench-'));
  const server = await startServer(images, side);
  try {
    const list = path.join(dir, 'list.csv');
    const rows = Array.from(
      { length: images },
      (_, i) => `${server.base}/photo/${i}.jpg,a photo of thing ${i}`,
    );
    await writeFile(list, `url,caption\n${rows.join('\n')}\n`);
    // One warm-up pass each (connections, JIT, imports), then the measured one.
    await vlmflowDownload(list, Math.min(images, 200), concurrency, path.join(dir, 'warm'));
    const ours = await vlmflowDownload(list, images, concurrency, dir);
    // img2dataset is a command: its start (Python, imports, process pool) is measured on a
    // one-row list and taken off, so both figures are the per-image cost.
    const one = path.join(dir, 'one.csv');
    await writeFile(one, `url,caption\n${rows[0]}\n`);
    const start = await img2datasetDownload(one, concurrency, path.join(dir, 'i2d-start'));
    const whole = await img2datasetDownload(list, concurrency, path.join(dir, 'i2d'));
    const theirs =
      typeof whole === 'string' || typeof start === 'string'
        ? typeof whole === 'string'
          ? whole
          : (start as string)
        : {
            images: whole.images - start.images,
            wallS: whole.wallS - start.wallS,
            cpuS: whole.cpuS - start.cpuS,
          };
    const perCore = (m: Measured) => m.images / m.cpuS;
    const line = (name: string, m: Measured) =>
      `${name.padEnd(32)} ${String(m.images).padStart(6)} images  ${(m.images / m.wallS).toFixed(0).padStart(6)} images/s  ${perCore(m).toFixed(0).padStart(6)} images/CPU-s  (wall ${m.wallS.toFixed(2)} s, CPU ${m.cpuS.toFixed(2)} s)`;
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `list: ${images} JPEGs ${side}x${Math.round(side * 0.75)} (${(server.bytes / images / 1024).toFixed(1)} KiB each) from a loopback server in its own process; ${concurrency} in flight`,
    );
    console.log(line('vlmflow', ours));
    if (typeof theirs === 'string') {
      console.log(theirs);
      return;
    }
    if (typeof whole !== 'string' && typeof start !== 'string') {
      console.log(line('img2dataset (whole command)', whole));
      console.log(line('img2dataset (its start, 1 row)', start));
    }
    console.log(line('img2dataset (less its start)', theirs));
    console.log(
      `ratio vlmflow / img2dataset: images/CPU-s ${(perCore(ours) / perCore(theirs)).toFixed(2)}, images/s ${(ours.images / ours.wallS / (theirs.images / theirs.wallS)).toFixed(2)}`,
    );
  } finally {
    server.child.kill();
  }
}

void main();
