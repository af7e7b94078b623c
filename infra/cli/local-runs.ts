/**
 * Local runs as the CLI sees them: which process runs a run (a marker the `run` command keeps
 * at `<workdir>/.vlmflow/processes/<pipeline>/<runId>.json` while it lives, outside the run
 * folder so that reruns stay byte-identical), whether that process is alive (a killed run is
 * STOPPED, not RUNNING), finding a run folder by its id, and listing every run of a workdir.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

export interface RunMarker {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
}

/** `<workdir>/runs/<pipeline>/<runId>` → `<workdir>`, `<pipeline>`, `<runId>`. */
function partsOf(runFolder: string): { workdir: string; pipeline: string; runId: string } {
  const abs = path.resolve(runFolder);
  return {
    workdir: path.dirname(path.dirname(path.dirname(abs))),
    pipeline: path.basename(path.dirname(abs)),
    runId: path.basename(abs),
  };
}

function markerFile(runFolder: string): string {
  const { workdir, pipeline, runId } = partsOf(runFolder);
  return path.join(workdir, '.vlmflow', 'processes', pipeline, `${runId}.json`);
}

/** Marks this process as the one running the run folder; returns a function that unmarks it. */
export function markRunning(runFolder: string): () => void {
  const file = markerFile(runFolder);
  const marker: RunMarker = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(marker));
  return () => fs.rmSync(file, { force: true });
}

/** True while the process that marked the run is alive on this machine. */
export function isRunAlive(runFolder: string): boolean {
  let marker: RunMarker;
  try {
    marker = JSON.parse(fs.readFileSync(markerFile(runFolder), 'utf8')) as RunMarker;
  } catch {
    return false;
  }
  if (marker.hostname !== hostname()) return true; // another machine's process: cannot tell
  try {
    process.kill(marker.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run folders of a workdir: `<workdir>/runs/<pipeline>/<runId>` holding a manifests/ folder. */
export function listRunFolders(workdir: string): string[] {
  const runs = path.join(workdir, 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs
    .readdirSync(runs, { withFileTypes: true })
    .filter((pipeline) => pipeline.isDirectory())
    .flatMap((pipeline) =>
      fs
        .readdirSync(path.join(runs, pipeline.name), { withFileTypes: true })
        .filter((run) => run.isDirectory())
        .map((run) => path.join(runs, pipeline.name, run.name)),
    )
    .filter((folder) => fs.existsSync(path.join(folder, 'manifests')));
}

/** The run folder of a run id under a workdir, or undefined; an id in two pipelines is an error. */
export function findRunFolder(workdir: string, runId: string): string | undefined {
  const found = listRunFolders(workdir).filter((folder) => path.basename(folder) === runId);
  if (found.length > 1)
    throw new Error(
      `run id "${runId}" names runs of several pipelines: ${found.join(', ')}; give the folder`,
    );
  return found[0];
}
