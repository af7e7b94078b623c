/**
 * Shared by the reliability tests: running the CLI, and a snapshot of a run's outputs
 * (path → sha256) that two runs can be compared by.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { TEMP_SUFFIX } from '../../lambdas/shards/file-storage';
import type { RunSummary } from '../../core/contracts';

import { CLI, ROOT, vlmflow, type CliResult } from '../helpers/cli';

export { CLI, ROOT, vlmflow, type CliResult };

/** `vlmflow run <pipeline> --local --json …`; the summary it printed. */
export async function runJson(
  pipeline: string,
  input: string,
  workdir: string,
  runId: string,
  extra: readonly string[] = [],
): Promise<{ result: CliResult; summary: RunSummary }> {
  const result = await vlmflow([
    'run',
    pipeline,
    '--local',
    '--input',
    input,
    '--workdir',
    workdir,
    '--run-id',
    runId,
    '--json',
    ...extra,
  ]);
  return { result, summary: JSON.parse(result.stdout) as RunSummary };
}

/** The same command, started in its own process group so that a test can kill it all. */
export function spawnRun(args: readonly string[]): { pid: number; exited: Promise<number | null> } {
  const child = spawn(CLI, [...args], { cwd: ROOT, detached: true, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { pid: child.pid!, exited };
}

/** What a run leaves that must not depend on wall-clock time or scheduling. */
export const DETERMINISTIC_DIRS = ['stages', 'rejects', 'stats', 'datasets', 'manifests'] as const;

export interface Snapshot {
  /** Relative path → sha256 of the bytes, with the run root written as `<root>`. */
  readonly files: Record<string, string>;
  /** In-flight temp files a killed writer left (never read: storage does not list them). */
  readonly temps: string[];
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? walk(full) : Promise.resolve([full]);
    }),
  );
  return nested.flat();
}

/**
 * Hashes of every file under the deterministic folders. Dataset manifests and stats hold URIs,
 * which contain the workdir: the run root is replaced by `<root>` before hashing, so runs in
 * two folders compare. `exclude` drops relative paths (e.g. the pending-shards manifest).
 */
export async function snapshot(
  runRoot: string,
  exclude: readonly string[] = [],
): Promise<Snapshot> {
  const files: Record<string, string> = {};
  const temps: string[] = [];
  for (const dir of DETERMINISTIC_DIRS) {
    for (const file of (await walk(path.join(runRoot, dir))).sort()) {
      const rel = path.relative(runRoot, file);
      if (file.endsWith(TEMP_SUFFIX)) {
        temps.push(rel);
        continue;
      }
      if (exclude.includes(rel)) continue;
      let bytes = await readFile(file);
      if (file.endsWith('.json'))
        bytes = Buffer.from(bytes.toString('utf8').split(runRoot).join('<root>'));
      files[rel] = createHash('sha256').update(bytes).digest('hex');
    }
  }
  return { files, temps };
}

export function runRootOf(workdir: string, pipeline: string, runId: string): string {
  return path.join(workdir, 'runs', pipeline, runId);
}
