/**
 * Where a run keeps its objects. runRoot = <dataRoot>/runs/<pipeline>/<runId>; the same layout
 * under s3:// and file://. Every handler finds its inputs and outputs through these helpers.
 */
import { PlanError } from './errors';
import { joinUri } from './uri';

export function runRootOf(dataRoot: string, pipeline: string, runId: string): string {
  return joinUri(dataRoot, 'runs', pipeline, runId);
}

/** Pending ShardItem[] for the stage's Distributed Map. */
export function pendingManifestUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'manifests', `${stage}.json`);
}

/** Every input ShardItem of the stage. */
export function allShardsManifestUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'manifests', `${stage}.all.json`);
}

/** ResultWriter prefix of the stage's map run. */
export function resultsPrefixUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'results', stage);
}

/** Kept samples of a shard once every segment of the stage has run. */
export function keptShardUri(runRoot: string, stage: string, shard: string): string {
  return joinUri(runRoot, 'stages', stage, `${shard}.tar`);
}

/** Kept samples after segment `segment` when more segments follow. */
export function segmentShardUri(
  runRoot: string,
  stage: string,
  segment: number,
  shard: string,
): string {
  return joinUri(runRoot, 'tmp', stage, String(segment), `${shard}.tar`);
}

/** Partial counts of a segment that is not the stage's last. */
export function segmentStatsUri(
  runRoot: string,
  stage: string,
  segment: number,
  shard: string,
): string {
  return joinUri(runRoot, 'tmp', stage, String(segment), `${shard}.json`);
}

/** Rejected samples of one segment: `<shard>.tar` for segment 0, `<shard>.<i>.tar` after. */
export function rejectsShardUri(
  runRoot: string,
  stage: string,
  shard: string,
  segment = 0,
): string {
  return joinUri(
    runRoot,
    'rejects',
    stage,
    segment === 0 ? `${shard}.tar` : `${shard}.${segment}.tar`,
  );
}

/** The done marker: written last. */
export function statsUri(runRoot: string, stage: string, shard: string): string {
  return joinUri(runRoot, 'stats', stage, `${shard}.json`);
}

export function statsPrefixUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'stats', `${stage}/`);
}

/** Per-operator milliseconds of one segment, named like its rejects. */
export function timingsUri(runRoot: string, stage: string, shard: string, segment = 0): string {
  return joinUri(
    runRoot,
    'timings',
    stage,
    segment === 0 ? `${shard}.json` : `${shard}.${segment}.json`,
  );
}

/** A train stage's outputs (checkpoints, export, metrics), relative to the run root. */
export function trainOutKey(stage: string): string {
  return `models/${stage}`;
}

/**
 * What a failed training job printed last (`{jobId, exitCode, lines}`), relative to the run
 * root: the job writes it (resampler/failure_log.py, told where by `--failure-log`), the run
 * summary reads it, because on AWS the job's own log is a CloudWatch stream.
 */
export function trainFailureLogKey(stage: string): string {
  return `${trainOutKey(stage)}/failure-log.json`;
}

export function trainFailureLogUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, trainFailureLogKey(stage));
}

export function datasetManifestUri(runRoot: string, name: string): string {
  return joinUri(runRoot, 'datasets', name, 'manifest.json');
}

/** What a run id is bound to (definition hash, parameters, inputs): written by its first Plan. */
export function runBindingUri(runRoot: string): string {
  return joinUri(runRoot, 'run.json');
}

export function summaryUri(runRoot: string): string {
  return joinUri(runRoot, 'summary.json');
}

/** Run ids become path segments and S3 keys: keep them plain. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9._-]{1,80}$/;

export function checkRunId(runId: unknown): string {
  if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId) || /^\.+$/.test(runId)) {
    throw new PlanError(
      `runId: ${JSON.stringify(runId)} is not a valid run id (1-80 characters from A-Z a-z 0-9 . _ -, not only dots)`,
    );
  }
  return runId;
}

/** Shard keys are file names: anything outside [A-Za-z0-9._-], and leading dots, become `_`. */
export function sanitizeShardKey(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
}

// ---- Run-scoped dedup (docs/dedup.md): dedup/<stage>/… ----

/** Hash records of one shard in one partition (`b00-p0007`). */
export function dedupRecordsUri(
  runRoot: string,
  stage: string,
  partition: string,
  shard: string,
): string {
  return joinUri(runRoot, 'dedup', stage, 'hashes', partition, `${shard}.bin`);
}

export function dedupRecordsPrefixUri(runRoot: string, stage: string, partition: string): string {
  return joinUri(runRoot, 'dedup', stage, 'hashes', `${partition}/`);
}

/** Written after a shard's records: the shard is hashed. */
export function dedupHashedUri(runRoot: string, stage: string, shard: string): string {
  return joinUri(runRoot, 'dedup', stage, 'hashed', `${shard}.json`);
}

export function dedupHashedPrefixUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'dedup', stage, 'hashed/');
}

/**
 * A resolution covers one set of hashed shards, its generation (a digest of that set); a
 * resumed run that hashed more shards resolves again under a new generation.
 */
export function dedupGenerationUri(runRoot: string, stage: string, generation: string): string {
  return joinUri(runRoot, 'dedup', stage, 'generations', generation);
}

/** Partitions still to resolve: the resolve map's ItemReader. */
export function dedupPartitionsManifestUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'manifests', `${stage}.dedup.json`);
}

export function dedupResultsPrefixUri(runRoot: string, stage: string): string {
  return joinUri(runRoot, 'results', `${stage}.dedup`);
}
