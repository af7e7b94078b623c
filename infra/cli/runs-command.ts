/** `vlmflow runs`: every local run under a workdir, newest first, with its state and counts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLocalRunStatus } from './aws/local-status';
import { listRunFolders } from './local-runs';

export interface RunRow {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: string;
  /** When its first Plan ran (ISO 8601). */
  readonly startedAt: string;
  readonly shards: number;
  readonly shardsDone: number;
  readonly in: number;
  readonly kept: number;
  readonly rejected: number;
  readonly folder: string;
}

export function runRows(workdir: string): RunRow[] {
  return listRunFolders(workdir)
    .map((folder) => {
      const status = readLocalRunStatus(folder);
      const sum = (pick: (s: (typeof status.stages)[number]) => number) =>
        status.stages.reduce((n, s) => n + pick(s), 0);
      return {
        runId: path.basename(folder),
        pipeline: path.basename(path.dirname(folder)),
        status: status.status,
        startedAt: startedAt(folder),
        shards: sum((s) => s.total),
        shardsDone: sum((s) => s.done),
        in: sum((s) => s.in),
        kept: sum((s) => s.kept),
        rejected: sum((s) => s.rejected),
        folder,
      };
    })
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** The first Plan's time: its run.json, else the manifests folder (runs made before run.json). */
function startedAt(folder: string): string {
  const file = [path.join(folder, 'run.json'), path.join(folder, 'manifests')].find((f) =>
    fs.existsSync(f),
  );
  return file ? fs.statSync(file).mtime.toISOString() : '';
}

export function renderRunRows(rows: readonly RunRow[]): string {
  if (rows.length === 0) return 'no runs\n';
  const header = ['run id', 'pipeline', 'status', 'started', 'shards', 'in', 'kept', 'rejected'];
  const cells = rows.map((r) => [
    r.runId,
    r.pipeline,
    r.status,
    r.startedAt.replace('T', ' ').slice(0, 19),
    `${r.shardsDone}/${r.shards}`,
    String(r.in),
    String(r.kept),
    String(r.rejected),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
