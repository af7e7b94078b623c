/**
 * The synthesized template of every pipeline in pipelines/ (found at test time, so a new
 * pipeline is covered without editing this file): key resources, least-privilege IAM, the
 * golden definition with its substitutions, the input schema, and cdk-nag.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { compile } from '../../infra/compiler';
import { renderInputSchema } from '../../infra/compiler/input-schema';
import { discoverPipelines, type DiscoveredPipeline } from '../../infra/cdk/discover-pipelines';
import { PipelineStack, stackNameOf } from '../../infra/cdk/pipeline-stack';
import { PROJECT_ROOT } from './helpers';

const PIPELINES = discoverPipelines(path.join(PROJECT_ROOT, 'pipelines'));

interface Statement {
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
  readonly Condition?: { readonly StringLike?: Record<string, readonly string[]> };
}

/** Every statement of every identity policy in the template (policies and inline role policies). */
/**
 * CDK's BucketDeployment handler (it copies the default model folders at deploy time): a
 * Python function with the grants aws-cdk-lib gives it, acknowledged one by one in
 * infra/cdk/nag-suppressions.ts. The pipeline's own resources are what these tests hold to
 * the rules.
 */
const isModelDeployment = (logicalId: string): boolean =>
  logicalId.startsWith('CustomCDKBucketDeployment');

function ownResources(template: Template, type: string): ReturnType<Template['findResources']> {
  return Object.fromEntries(
    Object.entries(template.findResources(type)).filter(([id]) => !isModelDeployment(id)),
  );
}

function allStatements(template: Template): Statement[] {
  const fromPolicies = Object.values(ownResources(template, 'AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
  const fromRoles = Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) =>
    ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    ),
  );
  return [...fromPolicies, ...fromRoles];
}

const list = <T>(value: T | readonly T[]): readonly T[] =>
  Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** A resource as text: joins flattened, references as <LogicalId.Attr> / <Ref>. */
function resourceText(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  if (typeof resource !== 'object' || resource === null) return String(resource);
  const r = resource as Record<string, unknown>;
  if ('Fn::Join' in r) {
    const [separator, parts] = r['Fn::Join'] as [string, unknown[]];
    return parts.map(resourceText).join(separator);
  }
  if ('Fn::GetAtt' in r) return `<${(r['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in r) return `<${String(r.Ref)}>`;
  return JSON.stringify(resource);
}

function synthesize({ pipeline, file }: DiscoveredPipeline): { stack: PipelineStack; app: App } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, stackNameOf(pipeline.name), {
    pipeline,
    pipelineFile: file,
    projectRoot: PROJECT_ROOT,
  });
  return { stack, app };
}

test('pipelines/ holds at least one pipeline', () => {
  expect(PIPELINES.length).toBeGreaterThan(0);
});

describe.each(PIPELINES.map((found) => [found.pipeline.name, found] as const))(
  'stack of pipeline %s',
  (_name, found) => {
    const { stack, app } = synthesize(found);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // cdk-nag v3 reports through synth: an unacknowledged finding throws here.
    const synthError = (() => {
      try {
        app.synth();
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    const template = Template.fromStack(stack);
    const { pipeline, file } = found;
    const compiled = compile(pipeline.graph);

    test('cdk-nag AwsSolutions: every finding acknowledged with a reason', () => {
      expect(synthError).toBe('');
    });

    test("the definition is the compiler's golden file, every placeholder substituted", () => {
      const golden = file.replace(/\.ts$/, '.asl.json');
      expect(fs.existsSync(golden)).toBe(true);
      const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
      expect(JSON.parse(machine?.Properties.DefinitionString as string)).toEqual(
        JSON.parse(fs.readFileSync(golden, 'utf8')),
      );
      expect(Object.keys(machine?.Properties.DefinitionSubstitutions as object).sort()).toEqual(
        [...compiled.substitutions].sort(),
      );
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: stackNameOf(pipeline.name),
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ERROR' }),
      });
    });

    test('a private, encrypted, TLS-only bucket and Node 24 functions with Powertools', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: Match.anyValue(),
      });
      const functions = Object.values(ownResources(template, 'AWS::Lambda::Function'));
      expect(functions.length).toBeGreaterThanOrEqual(4);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          TracingConfig: { Mode: 'Active' },
          Environment: {
            Variables: {
              POWERTOOLS_SERVICE_NAME: `vlmflow-${pipeline.name}`,
              POWERTOOLS_METRICS_NAMESPACE: 'vlmflow',
            },
          },
        });
      }
    });

    test('GPU training on Batch exactly when the pipeline trains', () => {
      const trains = pipeline.graph.trains.length > 0;
      template.resourceCountIs('AWS::Batch::JobQueue', trains ? 1 : 0);
      template.resourceCountIs('AWS::Batch::JobDefinition', trains ? 1 : 0);
      if (!trains) return;
      const container = Match.objectLike({
        LinuxParameters: { SharedMemorySize: Match.anyValue() },
      });
      // A pipeline whose train stages set nodes gets a multi-node parallel job definition.
      const multiNode = pipeline.graph.trains.some((t) => t.nodes !== undefined);
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        RetryStrategy: {
          EvaluateOnExit: [
            { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
            { Action: 'EXIT', OnReason: '*' },
          ],
        },
        ...(multiNode
          ? {
              NodeProperties: Match.objectLike({
                NodeRangeProperties: [Match.objectLike({ Container: container })],
              }),
            }
          : { ContainerProperties: container }),
      });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({
          Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }],
        }),
      });
    });

    test('no IAM statement has a wildcard action', () => {
      const actions = allStatements(template).flatMap((s) => list(s.Action));
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    });

    test('S3 permissions are scoped to key prefixes', () => {
      const s3 = allStatements(template).filter((s) =>
        list(s.Action).some((action) => action.startsWith('s3:')),
      );
      expect(s3.length).toBeGreaterThan(0);
      for (const statement of s3) {
        for (const resource of list(statement.Resource).map(resourceText)) {
          if (resource.includes('/')) {
            // Objects: `<bucket>/<prefix>/*`, never `<bucket>/*`.
            expect(resource).toMatch(/^[^/]+\/[^*/]+(\/[^*/]+)*\/\*$/);
          } else {
            // The bucket itself (ListBucket): only with an s3:prefix condition.
            expect(statement.Condition?.StringLike?.['s3:prefix']?.length).toBeGreaterThan(0);
          }
        }
      }
    });

    test('outputs and the input schema', () => {
      for (const output of [
        'StateMachineArn',
        'ConsoleLink',
        'BucketName',
        'ExampleInput',
        'ExampleInputWithEveryField',
      ])
        template.hasOutput(output, {});
      // vlmflow doctor reads the queue's instance types from it.
      expect(Object.keys(template.findOutputs('JobQueueArn'))).toEqual(
        pipeline.graph.trains.length > 0 ? ['JobQueueArn'] : [],
      );
      expect(stack.inputSchema).toEqual(renderInputSchema(pipeline.graph));
    });
  },
);
