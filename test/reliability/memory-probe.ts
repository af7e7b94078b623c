/** Runs test/bench/curate-memory-probe.ts in a fresh Node process (tests and the benchmark). */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const PROBE = path.join(ROOT, 'test', 'bench', 'curate-memory-probe.ts');
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');

export interface ProbeResult {
  readonly shardBytes: number;
  readonly peakRssMiB: number;
  readonly in: number;
  readonly kept: number;
  readonly seconds: number;
}

async function probe(args: readonly string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(NODE, ['--import', 'tsx', PROBE, ...args], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
  });
  return stdout;
}

export async function buildShard(file: string, mib: number): Promise<void> {
  await probe(['build', file, String(mib)]);
}

export async function curateShard(file: string, workdir: string): Promise<ProbeResult> {
  return JSON.parse(await probe(['curate', file, workdir])) as ProbeResult;
}
