/**
 * `vlmflow status <run folder>` for local runs (and run folders copied from S3): the same
 * view as for an execution, read from the run layout — manifests/<stage>.all.json lists every
 * shard of a stage, stats/<stage>/<shard>.json marks one done, summary.json ends the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummary, ShardItem, ShardStats } from '../../../core/contracts';
import { isRunAlive } from '../local-runs';

export interface LocalStageProgress {
  readonly stage: string;
  readonly total: number;
  readonly done: number;
  readonly in: number;
  readonly kept: number;
  readonly rejected: number;
}

export interface LocalRunStatus {
  readonly runFolder: string;
  /**
   * RUNNING while the `run` process that marked it lives; else SUCCEEDED or FAILED from
   * summary.json, or STOPPED: the process ended (killed, interrupted) before writing one.
   */
  readonly status: string;
  readonly stages: readonly LocalStageProgress[];
  readonly summary?: RunSummary;
}

const ALL_SHARDS_SUFFIX = '.all.json';

/** True when `ref` is a folder holding a run (its manifests/ folder). */
export function isLocalRunFolder(ref: string): boolean {
  return fs.existsSync(path.join(ref, 'manifests'));
}

export function readLocalRunStatus(runFolder: string): LocalRunStatus {
  const manifests = path.join(runFolder, 'manifests');
  const stages = fs
    .readdirSync(manifests)
    .filter((file) => file.endsWith(ALL_SHARDS_SUFFIX))
    .sort()
    .map((file) => stageProgress(runFolder, file.slice(0, -ALL_SHARDS_SUFFIX.length)));
  const summaryFile = path.join(runFolder, 'summary.json');
  const summary = fs.existsSync(summaryFile)
    ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as RunSummary)
    : undefined;
  return {
    runFolder,
    // A live `run` process first: a resumed run still has the earlier run's summary.json.
    status: isRunAlive(runFolder) ? 'RUNNING' : (summary?.status ?? 'STOPPED'),
    stages,
    ...(summary && { summary }),
  };
}

function stageProgress(runFolder: string, stage: string): LocalStageProgress {
  const all = readJson<ShardItem[]>(
    path.join(runFolder, 'manifests', `${stage}${ALL_SHARDS_SUFFIX}`),
  );
  const statsDir = path.join(runFolder, 'stats', stage);
  const stats = fs.existsSync(statsDir)
    ? fs
        .readdirSync(statsDir)
        .filter((file) => file.endsWith('.json'))
        .map((file) => readJson<ShardStats>(path.join(statsDir, file)))
    : [];
  const sum = (pick: (s: ShardStats) => number) => stats.reduce((n, s) => n + pick(s), 0);
  return {
    stage,
    total: all.length,
    done: stats.length,
    in: sum((s) => s.in),
    kept: sum((s) => s.kept),
    rejected: sum((s) => Object.values(s.rejected).reduce((n, v) => n + v, 0)),
  };
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
