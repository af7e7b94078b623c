/** Builds a PipelineStack from a fixture pipeline module, with or without bundling. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Pipeline } from '../../infra/dsl';
import { PipelineStack, stackNameOf } from '../../infra/cdk/pipeline-stack';
import curateCustom from './fixtures/curate-custom';
import mixTrain from './fixtures/mix-train';
import urls from './fixtures/urls';
import dedupRun from '../fixtures/pipelines/dedup-run';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(__dirname, 'fixtures');

export interface Built {
  readonly app: App;
  readonly stack: PipelineStack;
  /** Synthesizes on first use: add validation plugins before touching it. */
  readonly template: Template;
}

export interface BuildOptions {
  /** CDK context, e.g. `vlmflow:*` settings. */
  readonly context?: Record<string, unknown>;
  /** Run esbuild and copy native modules (slow); off by default. */
  readonly bundle?: boolean;
  readonly outdir?: string;
  /** The stack's account and region (needed by `vlmflow:vpcId`'s lookup). */
  readonly env?: { readonly account: string; readonly region: string };
}

const PIPELINES = {
  'curate-custom': curateCustom,
  'mix-train': mixTrain,
  'dedup-run': dedupRun,
  urls,
} as const;
export type FixtureName = keyof typeof PIPELINES;

/** Fixtures of other tests, reused here. */
const ELSEWHERE: Partial<Record<FixtureName, string>> = {
  'dedup-run': path.join(PROJECT_ROOT, 'test', 'fixtures', 'pipelines', 'dedup-run.ts'),
};

export function loadFixture(name: FixtureName): { pipeline: Pipeline; file: string } {
  return { pipeline: PIPELINES[name], file: ELSEWHERE[name] ?? path.join(FIXTURES, `${name}.ts`) };
}

export function buildStack(fixture: FixtureName, options: BuildOptions = {}): Built {
  const { pipeline, file } = loadFixture(fixture);
  const app = new App({
    ...(options.outdir && { outdir: options.outdir }),
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
  const stack = new PipelineStack(app, stackNameOf(pipeline.name), {
    pipeline,
    pipelineFile: file,
    projectRoot: PROJECT_ROOT,
    ...(options.env && { env: options.env }),
  });
  let template: Template | undefined;
  return {
    app,
    stack,
    get template() {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

/** The logical id CloudFormation references a construct's resource by. */
export function logicalIdOf(
  stack: PipelineStack,
  construct: { node: { defaultChild?: unknown } },
): string {
  return stack.getLogicalId(
    construct.node.defaultChild as Parameters<PipelineStack['getLogicalId']>[0],
  );
}
