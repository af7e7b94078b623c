/**
 * Gathers what the report shows from a run folder: summary.json (absent while a run is going
 * or when it failed early), dataset and mixture manifests, streamed stage totals and training
 * metrics. Everything is optional except the run root itself.
 */
import type { RunSummary } from '../../core/contracts';
import { isNotFound } from '../shards/not-found';
import { readJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import { basename, joinUri, parentUri } from '../../core/uri';
import { runBindingUri, summaryUri } from '../../core/layout';
import type { RunRecord } from '../handlers/run-binding';
import { aggregateStages } from './stage-aggregate';
import { parseTrainingMetrics } from './training';
import type { Manifest, RunData, StageAggregate, TrainingCurve } from './types';

export async function gatherRunData(runRoot: string): Promise<RunData> {
  const summary = await readIfExists<RunSummary>(summaryUri(runRoot));
  const manifests = await readManifests(runRoot);
  const aggregates = await aggregateStages(runRoot);
  const training = await readTraining(runRoot);
  const record = await readIfExists<RunRecord>(runBindingUri(runRoot));
  const lineage = Object.values(manifests).find((m) => m.lineage)?.lineage;
  const pipeline = summary?.pipeline ?? lineage?.pipeline ?? basename(parentUri(runRoot));
  return {
    runRoot,
    pipeline,
    runId: summary?.runId ?? basename(runRoot),
    ...(summary ? { summary } : {}),
    stages: orderStages(aggregates, summary),
    manifests,
    ...(lineage ? { lineage } : {}),
    training,
    ...(record?.chains ? { chains: record.chains } : {}),
  };
}

/** The summary's stage order (the pipeline's), then stages only the stats folder knows. */
function orderStages(aggregates: StageAggregate[], summary?: RunSummary): StageAggregate[] {
  const order = Object.keys(summary?.stages ?? {});
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  return [...aggregates].sort(
    (a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name),
  );
}

async function readManifests(runRoot: string): Promise<Record<string, Manifest>> {
  const prefix = joinUri(runRoot, 'datasets/');
  const manifests: Record<string, Manifest> = {};
  for await (const object of storageFor(prefix).list(prefix)) {
    const match = /^([^/]+)\/manifest\.json$/.exec(object.uri.slice(prefix.length));
    if (!match) continue;
    const manifest = await readJson<Manifest>(object.uri);
    if (manifest.kind === 'dataset' || manifest.kind === 'mixture') manifests[match[1]!] = manifest;
  }
  return manifests;
}

async function readTraining(runRoot: string): Promise<TrainingCurve[]> {
  const prefix = joinUri(runRoot, 'models/');
  const curves: TrainingCurve[] = [];
  for await (const object of storageFor(prefix).list(prefix)) {
    const match = /^([^/]+)\/metrics\.json$/.exec(object.uri.slice(prefix.length));
    if (!match) continue;
    const value = await readJson(object.uri).catch(() => undefined);
    curves.push(parseTrainingMetrics(match[1]!, object.uri, value));
  }
  return curves;
}

async function readIfExists<T>(uri: string): Promise<T | undefined> {
  try {
    return await readJson<T>(uri);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
