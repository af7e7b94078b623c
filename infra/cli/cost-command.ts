/**
 * `vlmflow cost`: the estimate of a measured run, or a projection to N samples from the
 * largest succeeded run of a pipeline. The arithmetic lives in lambdas/report/cost.ts (the
 * report shows the same estimate); this file finds the run and prints the table.
 */
import { readFile } from 'node:fs/promises';
import {
  DEFAULT_PRICES,
  estimateCost,
  gatherRunData,
  measureRun,
  projectCost,
  comparePerMillion,
  cpuMsPerImageOf,
  type CostEstimate,
  type PerMillion,
  type PerMillionComparison,
  type Prices,
} from '../../lambdas/report';
import type { RunSummary } from '../../core/contracts';
import { readJson } from '../../lambdas/shards/json-io';
import { storageFor } from '../../lambdas/shards/storage';
import { joinUri, normaliseUri } from '../../core/uri';
import { findPipeline } from './pipelines';

export interface CostFlags {
  readonly samples?: number;
  /** Samples per shard in a projection; default: the measured run's. */
  readonly shardSize?: number;
  readonly workdir: string;
  readonly from?: string;
  readonly prices?: string;
}

export async function loadPrices(file: string): Promise<Prices> {
  const value = JSON.parse(await readFile(file, 'utf8')) as Partial<Prices>;
  // A partial file overrides the default section by section.
  return {
    ...DEFAULT_PRICES,
    ...value,
    assumptions: { ...DEFAULT_PRICES.assumptions, ...value.assumptions },
  };
}

/** A run folder or URI when the argument looks like one; otherwise a pipeline name. */
export async function resolveCostEstimate(
  target: string,
  flags: CostFlags,
): Promise<{ estimate: CostEstimate; runRoot: string }> {
  const prices = flags.prices ? await loadPrices(flags.prices) : DEFAULT_PRICES;
  if (!looksLikeRun(target) && !flags.from && flags.samples === undefined)
    throw new Error(
      `"${target}" is a pipeline name: pass --samples N to project its cost, or give a run folder`,
    );
  const runRoot = await measuredRunRoot(target, flags);
  const estimate = estimateCost(measureRun(await gatherRunData(runRoot)), prices);
  return {
    estimate:
      flags.samples === undefined
        ? estimate
        : projectCost(estimate, flags.samples, {
            ...(flags.shardSize ? { samplesPerShard: flags.shardSize } : {}),
          }),
    runRoot,
  };
}

const looksLikeRun = (target: string) => /^(s3|file):\/\//.test(target) || target.includes('/');

/** The run folder given, or the largest succeeded run of the pipeline named. */
async function measuredRunRoot(target: string, flags: CostFlags): Promise<string> {
  if (looksLikeRun(target)) return normaliseUri(target);
  if (flags.from) return normaliseUri(flags.from);
  return largestSucceededRun(findPipeline(target).pipeline.name, normaliseUri(flags.workdir));
}

/**
 * `vlmflow cost <run-or-pipeline> --per-million`: dollars per million images on Lambda from
 * the CPU time the run's shard tasks measured, beside img2dataset on EC2 (per-million.ts).
 */
export async function resolvePerMillion(
  target: string,
  flags: CostFlags,
): Promise<{ comparison: PerMillionComparison; runRoot: string }> {
  const prices = flags.prices ? await loadPrices(flags.prices) : DEFAULT_PRICES;
  const runRoot = await measuredRunRoot(target, flags);
  const cpuMs = cpuMsPerImageOf(await gatherRunData(runRoot));
  return { comparison: comparePerMillion(cpuMs, prices), runRoot };
}

export function formatPerMillion(c: PerMillionComparison, runRoot: string): string {
  const row = (name: string, p: PerMillion) =>
    `${name}  $${p.usd.toFixed(3)} per million images  (${p.basis})`;
  return [
    `per million images, from ${c.cpuMsPerImage.toFixed(1)} ms CPU per image measured in ${runRoot}`,
    row('Lambda x86_64              ', c.lambda),
    row('Lambda arm64, same CPU ms  ', c.lambdaArm64SameCpu),
    row('img2dataset on EC2         ', c.img2datasetEc2),
    `ratio Lambda / img2dataset: ${(c.lambda.usd / c.img2datasetEc2.usd).toFixed(2)}×`,
  ].join('\n');
}

/** The succeeded run with the most input samples: the best-measured per-sample cost. */
async function largestSucceededRun(pipeline: string, dataRoot: string): Promise<string> {
  const prefix = joinUri(dataRoot, 'runs', `${pipeline}/`);
  let best: { runRoot: string; samples: number } | undefined;
  for await (const object of storageFor(prefix).list(prefix)) {
    const match = /^([^/]+)\/summary\.json$/.exec(object.uri.slice(prefix.length));
    if (!match) continue;
    const summary = await readJson<RunSummary>(object.uri).catch(() => undefined);
    if (summary?.status !== 'SUCCEEDED') continue;
    const samples = Object.values(summary.stages).reduce((sum, s) => sum + s.in, 0);
    if (!best || samples >= best.samples) best = { runRoot: joinUri(prefix, match[1]!), samples };
  }
  if (!best) {
    throw new Error(
      `no succeeded run of ${pipeline} under ${prefix} to measure from: run a sample first, e.g. ` +
        `vlmflow run ${pipeline} --local --max-shards 2 --workdir ${dataRoot.replace(/^file:\/\//, '')}`,
    );
  }
  return best.runRoot;
}

const perShard = (samples: number, shards: number): string =>
  shards > 0 ? String(Math.round(samples / shards)) : '?';

export function formatCostTable(estimate: CostEstimate, runRoot: string): string {
  const rows = estimate.lines.map((l) => [
    l.service,
    l.item,
    l.quantity === undefined ? 'not measured' : `${round(l.quantity)} ${l.unit}`,
    `$${l.usd.toFixed(6)}`,
    l.scales === 'samples'
      ? 'grows with samples'
      : l.scales === 'shards'
        ? 'grows with shards'
        : 'per run',
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    [
      r[0]!.padEnd(widths[0]!),
      r[1]!.padEnd(widths[1]!),
      r[2]!.padStart(widths[2]!),
      r[3]!.padStart(widths[3]!),
      r[4],
    ].join('  '),
  );
  const projected = estimate.samples !== estimate.measuredSamples;
  const unmeasured = estimate.lines
    .filter((l) => l.quantity === undefined)
    .map(
      (l) =>
        `warning: ${l.item} is not measured (no wall time or samples/s in its metrics.json): $0 in the total`,
    );
  return [
    projected
      ? `projected cost for ${estimate.samples} input samples in ${estimate.shards} shards of ${perShard(estimate.samples, estimate.shards)} samples (--shard-size)`
      : `estimated cost of ${runRoot} (${estimate.samples} input samples)`,
    `rates measured on ${runRoot}: ${estimate.measuredSamples} samples in ${estimate.measuredShards} shards of ${perShard(estimate.measuredSamples, estimate.measuredShards)}, with the models and parameters that run used (a test run with tiny models or shards measures those, not production ones)`,
    ...lines,
    `total  $${estimate.totalUsd.toFixed(4)}  (${estimate.prices.region} list prices as of ${estimate.prices.asOf})`,
    ...unmeasured,
  ].join('\n');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
