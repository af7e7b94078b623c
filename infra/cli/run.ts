import { compile } from '../compiler';
import { ALLOW_PRIVATE_ENV } from '../../lambdas/download/address-guard';
import type { JsonValue } from '../compiler/asl';
import { parseFaultKinds, type FaultOptions } from '../local/faults';
import { createProgressRenderer } from '../local/progress';
import { runLocal } from '../local/runner';
import { normaliseUri } from '../../core/uri';
import type { RunSummary } from '../../core/contracts';
import { parseInputFlags } from './options';
import { parseRunParams } from './run-params';
import { findPipeline } from './pipelines';
import { deployedAccessOf } from '../local/deployed/stack-template';
import { renderCauses } from './causes';
import { trackRun } from './run-tracking';
import type { RunEvent } from '../local/events';
import { modelAssetsOf } from '../cdk/model-assets';
import * as path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface RunFlags {
  readonly local?: boolean;
  readonly input: string[];
  readonly workdir: string;
  readonly param: string[];
  readonly maxShards?: number;
  readonly runId?: string;
  /** A --run-id made with other settings becomes a new run instead of a refusal. */
  readonly newRun?: boolean;
  readonly concurrency?: number;
  readonly json?: boolean;
  /** Seconds between plain progress lines when stderr is not a terminal. */
  readonly progressInterval?: number;
  /** Injected faults (docs/fault-model.md). */
  readonly failRate?: number;
  readonly fault?: string[];
  readonly faultSeed?: number;
  /** Run under the synthesized stack's permissions, the workdir standing in for its bucket. */
  readonly asDeployed?: boolean;
  /** Downloads (`format: 'urls'`) may reach loopback, private and link-local addresses. */
  readonly allowPrivateNetwork?: boolean;
}

/** `--fail-rate` (with `--fault`, `--fault-seed`), or undefined for a run without faults. */
export function faultOptionsOf(flags: RunFlags): FaultOptions | undefined {
  const kinds = parseFaultKinds(flags.fault ?? []);
  if (flags.failRate === undefined) {
    if (kinds.length > 0 || flags.faultSeed !== undefined)
      throw new Error('--fault and --fault-seed need --fail-rate <0..1>');
    return undefined;
  }
  return {
    rate: flags.failRate,
    ...(kinds.length > 0 ? { kinds } : {}),
    ...(flags.faultSeed !== undefined ? { seed: flags.faultSeed } : {}),
  };
}

/** The printed summary: the documented `--json` shape, nothing more. */
export function publicSummary(
  s: RunSummary,
): Pick<RunSummary, 'runId' | 'stages' | 'outputs'> & Partial<RunSummary> {
  const failed = Object.values(s.failedShards ?? {}).some((list) => list.length > 0);
  return {
    runId: s.runId,
    pipeline: s.pipeline,
    status: s.status,
    stages: s.stages,
    outputs: s.outputs,
    ...(failed ? { failedShards: s.failedShards } : {}),
    ...(s.error ? { error: s.error } : {}),
    ...(s.causes && s.causes.length > 0 ? { causes: s.causes } : {}),
    ...(s.randomWeightModels ? { randomWeightModels: s.randomWeightModels } : {}),
  };
}

export async function runCommand(name: string, flags: RunFlags): Promise<void> {
  if (!flags.local)
    throw new Error('run executes locally: pass --local (use `vlmflow start` for AWS)');
  const faults = faultOptionsOf(flags);
  // Read by the download function, in this process and in the shard workers it starts.
  if (flags.allowPrivateNetwork) process.env[ALLOW_PRIVATE_ENV] = '1';
  const { pipeline, modulePath } = findPipeline(name);
  const asDeployed = flags.asDeployed
    ? deployedAccessOf(pipeline, modulePath, normaliseUri(flags.workdir))
    : undefined;
  const params = parseRunParams(flags.param, pipeline, { checkValues: false }) as Record<
    string,
    JsonValue
  >;
  // CLI paths are file-system paths, relative to where the command runs.
  const inputs = Object.fromEntries(
    Object.entries(
      parseInputFlags(
        flags.input,
        pipeline.graph.sources.map((s) => s.name),
      ),
    ).map(([k, v]) => [k, normaliseUri(v)]),
  );
  const input = {
    ...(flags.runId ? { runId: flags.runId } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
    ...(flags.maxShards ? { maxShards: flags.maxShards } : {}),
    ...(flags.newRun ? { onChange: 'newRun' } : {}),
  };
  const progress = flags.json
    ? undefined
    : createProgressRenderer(process.stderr, {
        pipeline: pipeline.name,
        ...(flags.progressInterval ? { intervalMs: flags.progressInterval * 1000 } : {}),
      });
  // The run id goes to stderr at start (the progress display) and on Ctrl-C.
  const tracker = trackRun(pipeline.name, (line) => console.error(line));
  const onEvent = (event: RunEvent): void => {
    tracker.onEvent(event);
    progress?.onEvent(event);
  };
  const result = await runLocal({
    definition: compile(pipeline.graph).definition,
    // Plan checks implicit parameters of the pipeline's own operators too.
    pipeline: { name: pipeline.name, modulePath, operators: pipeline.operators },
    dataRoot: normaliseUri(flags.workdir),
    input,
    ...(flags.runId ? { executionName: flags.runId } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    onEvent,
    ...(faults ? { faults } : {}),
    ...(asDeployed ? { asDeployed } : {}),
    modelAssets: modelAssetsOf(pipeline.graph, PROJECT_ROOT),
  });
  tracker.stop();
  progress?.finish();
  if (result.faults && !flags.json) {
    const counts = Object.entries(result.faults).map(([kind, n]) => `${kind} ${n}`);
    console.error(`injected faults: ${counts.join(', ')}`);
  }
  // A failed execution has no output: its summary is what the Summary function returned.
  const summary =
    result.status === 'SUCCEEDED'
      ? (result.output as unknown as RunSummary)
      : ((result.summary as unknown as RunSummary | undefined) ??
        failedRunSummary(pipeline.name, result.executionName, result.error));
  if (flags.json) {
    console.log(JSON.stringify(publicSummary(summary), null, 2));
  } else {
    printHuman(summary);
  }
  if (result.status !== 'SUCCEEDED') process.exitCode = 1;
}

/** A run that failed without reaching its Summary state: the error says why. */
function failedRunSummary(
  pipeline: string,
  runId: string,
  error: { Error?: string; Cause?: string } | undefined,
): RunSummary {
  return {
    runId,
    pipeline,
    status: 'FAILED',
    stages: {},
    outputs: {},
    failedShards: {},
    error: { error: error?.Error ?? 'Error', cause: causeMessage(error?.Cause) },
  };
}

/** Lambda causes are JSON ({errorType, errorMessage, trace}); show the message. */
function causeMessage(cause: string | undefined): string {
  try {
    const parsed = JSON.parse(cause ?? '') as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: shown as it is
  }
  return cause ?? '';
}

function printHuman(s: RunSummary): void {
  console.log(`run ${s.runId} of ${s.pipeline}: ${s.status}`);
  for (const [stage, c] of Object.entries(s.stages)) {
    console.log(`  ${stage}: in ${c.in}, kept ${c.kept}, rejected ${c.in - c.kept}`);
    for (const [reason, n] of Object.entries(c.rejected))
      console.log(`    ${reason.padEnd(32)} ${n}`);
  }
  for (const [dataset, uri] of Object.entries(s.outputs))
    console.log(`  dataset ${dataset}: ${uri}`);
  for (const [stage, shards] of Object.entries(s.failedShards ?? {})) {
    if (shards.length > 0) console.log(`  failed shards of ${stage}: ${shards.join(', ')}`);
  }
  if (s.error) console.log(`  error: ${s.error.error}: ${s.error.cause}`);
  for (const line of renderCauses(s)) console.log(line);
  for (const [param, uri] of Object.entries(s.randomWeightModels ?? {}))
    console.log(
      `  note: ${param} is a random-weight test model (${uri}): its outputs are noise; set ${param} to a real model`,
    );
}
