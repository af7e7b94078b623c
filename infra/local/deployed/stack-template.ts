/**
 * The template `cdk synth` makes for a pipeline's stack, synthesized in-process with the same
 * PipelineStack as infra/app.ts (asset bundling skipped: permissions do not depend on it), and
 * where in it each Lambda function is.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { PipelineStack, stackNameOf } from '../../cdk/pipeline-stack';
import type { Pipeline } from '../../dsl';
import {
  accessFromTemplate,
  type DeployedAccess,
  type MissingKeyRule,
  type StackRoles,
} from './access';
import { EXAMPLE_DEPLOYMENT, type CfnTemplate } from './intrinsics';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly roles: StackRoles;
}

/** The context of cdk.json, as `cdk synth` would read it. */
function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export function synthesizeStack(
  pipeline: Pipeline,
  pipelineFile: string,
  context: Readonly<Record<string, unknown>> = {},
): SynthesizedStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'vlmflow-synth-'));
  try {
    const app = new App({
      outdir,
      context: { ...projectContext(), ...context, 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new PipelineStack(app, stackNameOf(pipeline.name), {
      pipeline,
      pipelineFile,
      projectRoot: PROJECT_ROOT,
    });
    const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    const functions = Object.fromEntries(
      [...stack.stageFunctions.functions].map(([name, fn]) => [
        name,
        stack.getLogicalId(fn.node.defaultChild as CfnElement),
      ]),
    );
    return { stackName: stack.stackName, template, roles: { functions } };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The stack's permissions for a local run whose bucket is the folder `bucketFolder`. */
export function deployedAccessOf(
  pipeline: Pipeline,
  pipelineFile: string,
  bucketFolder: string,
  options: {
    readonly missingKeys?: MissingKeyRule;
    readonly context?: Record<string, unknown>;
  } = {},
): DeployedAccess {
  const { stackName, template, roles } = synthesizeStack(pipeline, pipelineFile, options.context);
  return accessFromTemplate(
    template,
    { ...EXAMPLE_DEPLOYMENT, stackName },
    roles,
    bucketFolder,
    options.missingKeys,
  );
}
