/**
 * `npm run test:aws`'s steps, on any Cloud: deploy a pipeline's stack, upload sample shards
 * where the console's `{}` reads them, start `{}`, wait, check the run summary (in = kept +
 * rejected per stage), the dataset manifests and the HTML report, and destroy the stack
 * whatever happened. AwsCloud (aws-cloud.ts) does it on an account; the tests hand it the
 * local run as deployed (test/aws-e2e), so these steps are exercised without one.
 */
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunSummary, StageCounts } from '../../core/contracts';
import type { DatasetManifest } from '../../core/manifests';
import { runRootOf } from '../../core/layout';
import { isBareKey } from '../../core/uri';
import type { PipelineGraph } from '../../core/ir';
import { reportUri } from '../../lambdas/report';

export interface DeployedStack {
  readonly pipeline: string;
  readonly stackName: string;
  readonly bucketName: string;
  readonly stateMachineArn: string;
  /** Where the handlers resolve run folders: `s3://<bucket>` on AWS. */
  readonly dataRoot: string;
}

export interface ExecutionState {
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (Step Functions' DescribeExecution). */
  readonly status: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** What the test needs of AWS: deploy, storage, Step Functions, destroy. */
export interface Cloud {
  stackExists(stackName: string): Promise<boolean>;
  deploy(pipeline: string, stackName: string): Promise<DeployedStack>;
  upload(stack: DeployedStack, key: string, body: Buffer): Promise<void>;
  start(stack: DeployedStack, input: string): Promise<string>;
  describe(executionArn: string): Promise<ExecutionState>;
  read(uri: string): Promise<Buffer>;
  /** Empties the bucket (CloudFormation deletes only an empty one) and deletes the stack. */
  destroy(stack: DeployedStack): Promise<void>;
}

export interface EndToEndOptions {
  readonly graph: PipelineGraph;
  readonly stackName: string;
  /** Shard files to upload, by source name (each to the source's default `inputs/…` key). */
  readonly shardDirs: Readonly<Record<string, string>>;
  /** Samples the shards hold, by source: each stage's `in` must equal it. */
  readonly samples: Readonly<Record<string, number>>;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface EndToEndResult {
  readonly executionArn: string;
  readonly summary: RunSummary;
  readonly reportUri: string;
}

export class EndToEndError extends Error {
  override readonly name = 'EndToEndError';
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runEndToEnd(cloud: Cloud, o: EndToEndOptions): Promise<EndToEndResult> {
  const log = o.log ?? (() => undefined);
  if (await cloud.stackExists(o.stackName))
    throw new EndToEndError(
      `stack ${o.stackName} already exists: this test deploys and destroys its own; delete it (npx cdk destroy ${o.stackName}) or use another account or region`,
    );
  log(`deploying ${o.stackName}`);
  const stack = await cloud.deploy(o.graph.name, o.stackName);
  try {
    await uploadInputs(cloud, stack, o);
    const executionArn = await cloud.start(stack, '{}');
    log(`started {}: ${executionArn}`);
    const state = await waitForEnd(cloud, executionArn, o);
    if (state.status !== 'SUCCEEDED')
      throw new EndToEndError(
        `execution ${executionArn} ended ${state.status}: ${state.error ?? ''} ${state.cause ?? ''}`.trim(),
      );
    const summary = JSON.parse(state.output ?? '{}') as RunSummary;
    checkSummary(summary, o);
    await checkManifests(cloud, summary);
    const report = reportUri(runRootOf(stack.dataRoot, o.graph.name, summary.runId));
    await checkReport(cloud, report, summary);
    log(`run ${summary.runId} SUCCEEDED; summary, manifests and report ${report} checked`);
    return { executionArn, summary, reportUri: report };
  } finally {
    log(`destroying ${stack.stackName}`);
    await cloud.destroy(stack);
  }
}

/** Each source's shards under its default location (a bare key: `inputs/<source>`). */
async function uploadInputs(cloud: Cloud, stack: DeployedStack, o: EndToEndOptions) {
  for (const source of o.graph.sources) {
    const dir = o.shardDirs[source.name];
    if (!dir) throw new EndToEndError(`no sample shards given for source "${source.name}"`);
    if (!isBareKey(source.uri))
      throw new EndToEndError(
        `source "${source.name}" reads ${source.uri}, not a key of the stack's bucket: {} cannot be tested on sample shards`,
      );
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tar')).sort())
      await cloud.upload(
        stack,
        `${source.uri.replace(/\/$/, '')}/${file}`,
        await readFile(path.join(dir, file)),
      );
  }
}

async function waitForEnd(cloud: Cloud, executionArn: string, o: EndToEndOptions) {
  const sleep = o.sleep ?? realSleep;
  const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
  for (;;) {
    const state = await cloud.describe(executionArn);
    if (state.status !== 'RUNNING') return state;
    if (Date.now() > deadline)
      throw new EndToEndError(`execution ${executionArn} still RUNNING after ${o.timeoutMs} ms`);
    await sleep(o.pollMs ?? 10_000);
  }
}

const rejectedTotal = (c: StageCounts) => Object.values(c.rejected).reduce((a, b) => a + b, 0);

function checkSummary(summary: RunSummary, o: EndToEndOptions): void {
  if (summary.pipeline !== o.graph.name || summary.status !== 'SUCCEEDED')
    throw new EndToEndError(
      `summary of ${summary.pipeline}: ${summary.status}, expected ${o.graph.name} SUCCEEDED`,
    );
  for (const [source, samples] of Object.entries(o.samples)) {
    const counts = summary.stages[source];
    if (!counts) throw new EndToEndError(`the summary has no stage "${source}"`);
    if (counts.in !== samples)
      throw new EndToEndError(`stage "${source}": in = ${counts.in}, uploaded ${samples} samples`);
    if (counts.in !== counts.kept + rejectedTotal(counts))
      throw new EndToEndError(
        `stage "${source}": in ${counts.in} ≠ kept ${counts.kept} + rejected ${rejectedTotal(counts)}`,
      );
  }
}

async function checkManifests(cloud: Cloud, summary: RunSummary): Promise<void> {
  for (const [name, uri] of Object.entries(summary.outputs)) {
    const manifest = JSON.parse((await cloud.read(uri)).toString('utf8')) as DatasetManifest;
    const stage = summary.stages[name];
    if (manifest.kind === 'dataset' && stage && manifest.counts.kept !== stage.kept)
      throw new EndToEndError(
        `${uri}: ${manifest.counts.kept} kept, the summary says ${stage.kept}`,
      );
    if (manifest.kind === 'dataset' && stage && stage.kept > 0 && manifest.shards.length === 0)
      throw new EndToEndError(`${uri}: no shards for ${stage.kept} kept samples`);
  }
}

async function checkReport(cloud: Cloud, uri: string, summary: RunSummary): Promise<void> {
  const page = (await cloud.read(uri)).toString('utf8');
  for (const expected of [`id="run-id">${summary.runId}<`, 'class="status-SUCCEEDED"'])
    if (!page.includes(expected)) throw new EndToEndError(`${uri} does not show ${expected}`);
}
