/** Shared by the model tests: the committed fixture models, their reference input, scratch copies. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { runShardLoop, type ChainLink } from '../../lambdas/handlers/shard-loop';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';

export const NSFW_TINY = path.resolve(__dirname, '../fixtures/models/nsfw-tiny');
export const CAPTION_TINY = path.resolve(__dirname, '../fixtures/models/caption-tiny');

export function expectedOf<T>(folder: string): T {
  return JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8')) as T;
}

/** The documented input of expected.json: ((c*7 + y*3 + x + b*5) % 17) / 17 - 0.5, NCHW. */
export function referencePixels(batch: number, height: number, width: number): Float32Array {
  const out = new Float32Array(batch * 3 * height * width);
  let i = 0;
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) out[i++] = ((c * 7 + y * 3 + x + b * 5) % 17) / 17 - 0.5;
  return out;
}

/** A scratch folder removed after the test file; also a fresh model cache under it. */
export async function scratch(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vlmflow-models-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A copy of a fixture model folder that a test may damage. */
export async function copyModel(fixture: string, into: string, name: string): Promise<string> {
  const target = path.join(into, name);
  await cp(fixture, target, { recursive: true });
  return target;
}

/** Runs a chain over samples through the shard loop, collecting kept and rejected samples. */
export async function runLoop(samples: readonly Sample[], chain: readonly ChainLink[]) {
  const kept: Sample[] = [];
  const rejects: Sample[] = [];
  async function* records(): AsyncIterable<SourceRecord> {
    for (const sample of samples) yield { kind: 'sample', sample };
  }
  const result = await runShardLoop(records(), chain, {
    kept: { add: (s: Sample) => kept.push(s) },
    rejected: { add: (s: Sample) => rejects.push(s) },
  });
  return { result, kept, rejects };
}

export function jsonOf(sample: Sample): Record<string, unknown> {
  return JSON.parse(sample.parts.json!.toString('utf8')) as Record<string, unknown>;
}

/** Rewrites SHA256SUMS for every file now in the folder, as `sha256sum` would. */
export async function rewriteAllSums(dir: string): Promise<void> {
  const { createHash } = await import('node:crypto');
  const { readdir, readFile, writeFile } = await import('node:fs/promises');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((file) => file !== 'SHA256SUMS')
    .sort();
  const lines: string[] = [];
  for (const file of files) {
    const digest = createHash('sha256')
      .update(await readFile(path.join(dir, file)))
      .digest('hex');
    lines.push(`${digest}  ${file}\n`);
  }
  await writeFile(path.join(dir, 'SHA256SUMS'), lines.join(''));
}
