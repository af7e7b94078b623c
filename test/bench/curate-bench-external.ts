/**
 * The parts of the curate benchmark that run outside this process: img2dataset's Resizer in
 * Python, and curate in 1 and 2 child processes (scaling over cores).
 */
import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Measured } from './curate-bench-report';

const run = promisify(execFile);

export interface Img2datasetResult {
  readonly passes: readonly Measured[];
  readonly version: string;
  readonly opencv: string;
}

/** img2dataset's Resizer over `<dir>/*.jpg`, or the reason it could not run. */
export async function img2datasetPasses(
  dir: string,
  longestEdge: number,
  reps: number,
): Promise<Img2datasetResult | { readonly error: string }> {
  const script = path.join(__dirname, 'img2dataset_resizer.py');
  try {
    const { stdout } = await run('python3', [script, dir, String(longestEdge), String(reps)], {
      maxBuffer: 1 << 20,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      ms: number[];
      cpu_ms: number[];
      version: string;
      opencv: string;
    };
    return {
      passes: out.ms.map((ms, i) => ({ ms, cpuMs: out.cpu_ms[i]! })),
      version: out.version,
      opencv: out.opencv,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      error: `img2dataset resizer did not run (pip install img2dataset): ${message.split('\n')[0]}`,
    };
  }
}

/** Runs `count` curate workers at once; the passes of each. */
export async function curateInProcesses(
  count: number,
  args: {
    readonly shardUri: string;
    readonly runsRoot: string;
    readonly reps: number;
    readonly longestEdge: number;
    readonly images: number;
  },
): Promise<Measured[][]> {
  const worker = path.join(__dirname, 'curate-bench-worker.ts');
  const one = (index: number) =>
    new Promise<Measured[]>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          worker,
          args.shardUri,
          `${args.runsRoot}/p${count}-${index}`,
          String(args.reps),
          String(args.longestEdge),
          String(args.images),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`curate worker exited with ${code}`));
        const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
          ms: number[];
          cpuMs: number[];
        };
        resolve(out.ms.map((ms, i) => ({ ms, cpuMs: out.cpuMs[i]! })));
      });
    });
  return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
}
