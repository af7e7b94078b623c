/** Builds a PipelineStack from a fixture pipeline module, with or without bundling. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Pipeline } from '../../infra/dsl';
import { PipelineStack, stackNameOf } from '../../infra/cdk/pipeline-stack';

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
}

export function loadFixture(name: string): { pipeline: Pipeline; file: string } {
  const file = path.join(FIXTURES, `${name}.ts`);
  return { pipeline: (require(file) as { default: Pipeline }).default, file };
}

export function buildStack(fixture: string, options: BuildOptions = {}): Built {
  const { pipeline, file } = loadFixture(fixture);
  const app = new App({
    ...(options.outdir && { outdir: options.outdir }),
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
  const stack = new PipelineStack(app, stackNameOf(pipeline.name), { pipeline, pipelineFile: file, projectRoot: PROJECT_ROOT });
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
export function logicalIdOf(stack: PipelineStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as Parameters<PipelineStack['getLogicalId']>[0]);
}
