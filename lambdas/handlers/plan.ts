/**
 * Plan: the first state of every run. Validates the run id and parameters, lists each source's
 * shards, skips those already done in this run (their stats marker exists) and writes the
 * manifests the Distributed Maps read.
 */
import { posix } from 'node:path';
import { writeJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import {
  isBareKey,
  joinUri,
  normaliseUri,
  parseUri,
  toLocation,
  toPrefixLocation,
} from '../../core/uri';
import { longestShardKey, nameProblem } from '../../core/aws-names';
import { isRandomWeightModel } from '../models/check-folder';
import type { PlanEvent, RunContext, ShardItem, StagePlan } from '../../core/contracts';
import { PlanError, messageOf } from '../../core/errors';
import {
  allShardsManifestUri,
  checkRunId,
  pendingManifestUri,
  resultsPrefixUri,
  runRootOf,
  sanitizeShardKey,
  statsPrefixUri,
} from '../../core/layout';
import { taggedAs } from '../../core/object-tags';
import { bindRun, runBindingOf } from './run-binding';
import { resolveRunParams } from '../../core/run-params';
import { checkStorageArgs } from './check-references';
import { ParamError } from '../../core/params';
import { CORE_DECLARATIONS } from '../../core/ops';
import { declarationsByKind, type OperatorDeclaration } from '../../core/ops/operator';
import type { OperatorRegistry } from '../../core/ops/validate-use';
import {
  DEFAULT_SOURCE_FORMAT,
  FORMAT_EXTENSIONS,
  itemSizeOf,
  type SourceFormat,
} from '../../core/formats';
import { countUrlRows } from '../download/url-list';
import { listFolderImages } from '../sources/folder';

type Source = PlanEvent['sources'][number];

/**
 * Plan for a pipeline with its own operators: their schemas check the run's implicit operator
 * parameters. The plain `handler` knows the built-in operators; values for an operator it does
 * not know are checked when the shard task creates that operator.
 */
export function createPlanHandler(
  operators: readonly OperatorDeclaration[],
): (event: PlanEvent) => Promise<RunContext> {
  const registry = declarationsByKind(operators);
  return (event) => plan(event, registry);
}

/** The built-in operators and `.dedup()`, whose run parameters Plan checks too. */
const PLAN_DECLARATIONS = declarationsByKind(CORE_DECLARATIONS);

export const handler = (event: PlanEvent): Promise<RunContext> => plan(event, PLAN_DECLARATIONS);

async function plan(event: PlanEvent, registry: OperatorRegistry): Promise<RunContext> {
  const input = event.input ?? {};
  const askedRunId = checkRunId(input.runId ?? event.executionName);
  const params = resolveRunParams(
    event.paramSpecs,
    input.params ?? {},
    event.operators ?? [],
    registry,
  );
  resolveLocations(params, event.paramSpecs, event.dataRoot);
  const randomWeightModels = await randomWeightLocations(params, event.paramSpecs);
  checkParamsSize(params);
  await checkStorageArgs(event.operators ?? [], params, registry);
  const maxShards = checkMaxShards(input.maxShards);
  const sources = withInputOverrides(event.sources, input.inputs).map((source) => ({
    ...source,
    uri: resolveSourceUri(source.uri, event.dataRoot),
  }));
  // Checked for the id asked for before anything is written, and again if it moves (newRun).
  const askedRoot = runRootOf(event.dataRoot, event.pipeline, askedRunId);
  checkJobNames(askedRunId, event.jobNamePrefixes ?? []);
  const inputs = Object.fromEntries(sources.map((source) => [source.name, source.uri]));
  const listed = new Map<string, ShardItem[]>();
  for (const source of sources) {
    const shards = (await listShardsOrExplain(source)).slice(0, maxShards);
    checkShardKeys(askedRoot, source.name, shards);
    if (shards.length === 0) {
      throw new PlanError(
        `source "${source.name}": no shards matching "${source.pattern}" under ${source.uri} (upload shards there, or set inputs.${source.name})`,
      );
    }
    listed.set(source.name, shards);
  }
  const { runId, runRoot } = await bindRun(
    event.dataRoot,
    event.pipeline,
    askedRunId,
    runBindingOf({ definitionHash: event.definitionHash, params, inputs }),
    input.onChange,
    chainsOf(sources, event.operators ?? []),
  );
  if (runId !== askedRunId) {
    checkJobNames(runId, event.jobNamePrefixes ?? []);
    for (const [stage, shards] of listed) checkShardKeys(runRoot, stage, shards);
  }

  const stages: Record<string, StagePlan> = {};
  for (const source of sources) {
    const shards = listed.get(source.name)!;
    const done = await doneShardKeys(runRoot, source.name);
    const pending = shards.filter((shard) => !done.has(shard.key));
    stages[source.name] = await writeManifests(runRoot, source.name, shards, pending);
  }

  return {
    pipeline: event.pipeline,
    runId,
    runRoot,
    params,
    stages,
    ...(Object.keys(randomWeightModels).length > 0 ? { randomWeightModels } : {}),
    lineage: {
      pipeline: event.pipeline,
      definitionHash: event.definitionHash,
      version: event.version,
      params,
      inputs,
    },
  };
}

/** Location parameters as full URIs: a bare key lies under the data root (a source's rule). */
function resolveLocations(
  params: Record<string, unknown>,
  specs: PlanEvent['paramSpecs'],
  dataRoot: string,
): void {
  for (const [name, spec] of Object.entries(specs)) {
    const value = params[name];
    if (spec.location && typeof value === 'string' && value !== '')
      params[name] = resolveSourceUri(value, dataRoot);
  }
}

/** Location parameters whose folder's config.json marks a random-weight test model. */
async function randomWeightLocations(
  params: Readonly<Record<string, unknown>>,
  specs: PlanEvent['paramSpecs'],
): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const uri = params[name];
    if (spec.location && typeof uri === 'string' && uri !== '' && (await isRandomWeightModel(uri)))
      found[name] = uri;
  }
  return found;
}

/** Each source's operator kinds in chain order, from the implicit names `<source>.<label>`. */
function chainsOf(
  sources: readonly Source[],
  operators: readonly { readonly name: string; readonly use: { readonly op: string } }[],
): Record<string, string[]> {
  return Object.fromEntries(
    sources.map((source) => [
      source.name,
      operators.filter((o) => o.name.startsWith(`${source.name}.`)).map((o) => o.use.op),
    ]),
  );
}

/** Every train stage's Batch job name (`<pipeline>-<train>-<runId>`) as Batch will take it. */
function checkJobNames(runId: string, prefixes: readonly string[]): void {
  for (const prefix of prefixes) {
    const problem = nameProblem('batchJobName', `${prefix}${runId}`, 'the training job name');
    if (problem)
      throw new PlanError(`runId: ${JSON.stringify(runId)} cannot name a Batch job: ${problem}`);
  }
}

/** Each shard's longest object key within S3's 1,024 bytes, before any shard is written. */
function checkShardKeys(runRoot: string, stage: string, shards: readonly ShardItem[]): void {
  const parsed = parseUri(runRoot);
  const runRootKey =
    parsed.scheme === 's3' ? parsed.key : posix.join(...runRoot.split('/').slice(-3));
  for (const shard of shards) {
    const key = longestShardKey(runRootKey, stage, shard.key);
    const problem = nameProblem(
      's3Key',
      key,
      `source "${stage}": shard ${shard.uri} gives the key`,
    );
    if (problem) throw new PlanError(`${problem}; rename the shard file`);
  }
}

/**
 * Run values travel in every state's payload (twice in Plan's result, once per shard task):
 * past this size a run would die on Step Functions' 256 KiB state limit with an unclear
 * States.DataLimitExceeded, so Plan refuses it with a message instead.
 */
export const MAX_PARAMS_BYTES = 32 * 1024;

function checkParamsSize(params: Readonly<Record<string, unknown>>): void {
  const bytes = Buffer.byteLength(JSON.stringify(params));
  if (bytes > MAX_PARAMS_BYTES) {
    throw new ParamError([
      `params: ${bytes} bytes of run values, more than ${MAX_PARAMS_BYTES} (they travel in every state's payload; put large values such as lists in storage and pass their URI)`,
    ]);
  }
}

/**
 * A bare relative location (`inputs/pairs`) lives under the data root, so a pipeline's default
 * source works both in the deployed bucket and in a local workdir; URIs and absolute or
 * ./relative paths are taken as they are.
 */
export function resolveSourceUri(uri: string, dataRoot: string): string {
  return isBareKey(uri) ? joinUri(dataRoot, uri) : uri;
}

function checkMaxShards(maxShards: unknown): number | undefined {
  if (maxShards === undefined || maxShards === null) return undefined;
  if (typeof maxShards !== 'number' || !Number.isInteger(maxShards) || maxShards < 1) {
    throw new PlanError(`maxShards: expected a positive integer, got ${JSON.stringify(maxShards)}`);
  }
  return maxShards;
}

/** The run input's `inputs` replaces source URIs by source name. */
export function withInputOverrides(
  sources: readonly Source[],
  inputs: Readonly<Record<string, unknown>> | undefined,
): Source[] {
  if (inputs === undefined || inputs === null) return [...sources];
  if (typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw new PlanError(
      `inputs: expected an object of source name → URI, got ${JSON.stringify(inputs)}`,
    );
  }
  const known = sources.map((source) => source.name);
  for (const [name, uri] of Object.entries(inputs)) {
    if (!known.includes(name)) {
      throw new PlanError(
        `inputs.${name}: unknown source "${name}" (known: ${known.join(', ') || 'none'})`,
      );
    }
    if (typeof uri !== 'string' || uri.length === 0) {
      throw new PlanError(`inputs.${name}: expected a URI string, got ${JSON.stringify(uri)}`);
    }
  }
  return sources.map((source) => {
    const uri = inputs[source.name];
    return typeof uri === 'string' ? { ...source, uri } : source;
  });
}

async function listShardsOrExplain(source: Source): Promise<ShardItem[]> {
  try {
    return await listShards(source);
  } catch (error) {
    if (error instanceof PlanError) throw error;
    const name = error instanceof Error ? `${error.name}: ` : '';
    throw new PlanError(
      `source "${source.name}": cannot list ${source.uri}: ${name}${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Shards under the source URI whose path relative to it matches the glob, sorted by key. Split
 * formats become items of rows: each URL list or parquet file in runs of `rowsPerItem` rows, a
 * folder in runs of `imagesPerItem` images (docs/sources.md).
 */
export async function listShards(source: Source): Promise<ShardItem[]> {
  const format = source.format ?? DEFAULT_SOURCE_FORMAT;
  const normalised = normaliseUri(source.uri);
  const base = normalised.endsWith('/') ? normalised : `${normalised}/`;
  const size = itemSizeOf(format, source);
  if (format === 'folder') {
    const images = (await listFolderImages(base)).length;
    return rowItems({ key: FOLDER_ITEM_KEY, uri: base }, images, size!);
  }
  const files = await listFiles(source, base, format);
  if (size === undefined) return files;
  const items: ShardItem[] = [];
  for (const file of files) items.push(...rowItems(file, await countUrlRows(file.uri), size));
  return items;
}

/** Key of the items of a folder source: `images-00000`, … */
const FOLDER_ITEM_KEY = 'images';

function rowItems(file: ShardItem, rows: number, size: number): ShardItem[] {
  const items: ShardItem[] = [];
  for (let start = 0, i = 0; start < rows; start += size, i++) {
    const key = `${file.key}-${String(i).padStart(5, '0')}`;
    items.push({ key, uri: file.uri, rows: { start, end: Math.min(rows, start + size) } });
  }
  return items;
}

async function listFiles(source: Source, base: string, format: SourceFormat): Promise<ShardItem[]> {
  const byKey = new Map<string, ShardItem>();
  for await (const object of storageFor(base).list(base)) {
    const relative = object.uri.startsWith(base)
      ? object.uri.slice(base.length)
      : posix.basename(object.uri);
    if (!posix.matchesGlob(relative, source.pattern)) continue;
    const ext = FORMAT_EXTENSIONS[format].find((e) => relative.endsWith(e)) ?? '';
    const key = sanitizeShardKey(relative.slice(0, relative.length - ext.length));
    const clash = byKey.get(key);
    if (clash) {
      throw new PlanError(
        `source "${source.name}": ${clash.uri} and ${object.uri} both map to shard key "${key}"`,
      );
    }
    byKey.set(key, { key, uri: object.uri });
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Keys of the shards whose stats marker exists: one listing instead of one request per shard. */
async function doneShardKeys(runRoot: string, stage: string): Promise<Set<string>> {
  const prefix = statsPrefixUri(runRoot, stage);
  const done = new Set<string>();
  for await (const object of storageFor(prefix).list(prefix)) {
    const name = posix.basename(object.uri);
    if (name.endsWith('.json')) done.add(name.slice(0, -'.json'.length));
  }
  return done;
}

async function writeManifests(
  runRoot: string,
  stage: string,
  shards: readonly ShardItem[],
  pending: readonly ShardItem[],
): Promise<StagePlan> {
  const manifest = pendingManifestUri(runRoot, stage);
  const allShards = allShardsManifestUri(runRoot, stage);
  await writeJson(manifest, pending, taggedAs('manifest'));
  await writeJson(allShards, shards, taggedAs('manifest'));
  return {
    manifest: toLocation(manifest),
    allShards: toLocation(allShards),
    results: toPrefixLocation(resultsPrefixUri(runRoot, stage)),
    shards: shards.length,
    pending: pending.length,
  };
}
