/**
 * Where the caption function may load models from: `models/` of the data bucket always, and
 * the read-only `vlmflow:modelLocations` — in IAM and in VLMFLOW_ALLOWED_ROOTS alike, for the
 * caption function and for Plan, which checks the model folders a run names.
 */
import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { s3RootOf } from '../../infra/cdk/bucket-access';
import { buildStack, logicalIdOf, type Built } from './helpers';

const MODEL_CONTEXT = { 'vlmflow:modelLocations': 'vlmflow-models/onnx, s3://shared-models' };

function environmentOf(built: Built, name: 'curate' | 'caption' | 'plan'): Record<string, unknown> {
  const [fn] = Object.values(
    built.template.findResources('AWS::Lambda::Function', {
      Properties: { Description: `vlmflow cdk-train: ${name}` },
    }),
  );
  return fn?.Properties.Environment.Variables as Record<string, unknown>;
}

function policiesOf(built: Built, name: 'curate' | 'caption' | 'mix' | 'plan'): string {
  const role = built.stack.stageFunctions.get(name).role;
  if (!role) throw new Error('no role');
  return JSON.stringify(
    built.template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalIdOf(built.stack, role) }] },
    }),
  );
}

/** The join CloudFormation renders `s3://${bucket}/` + more roots as. */
const rootsOf = (env: Record<string, unknown>): string => JSON.stringify(env.VLMFLOW_ALLOWED_ROOTS);

describe('model locations (vlmflow:modelLocations)', () => {
  const built = buildStack('mix-train', { context: MODEL_CONTEXT });

  test('the caption function may list and get objects under each model location, read-only', () => {
    const caption = built.stack.stageFunctions.get('caption');
    if (!caption.role) throw new Error('no role');
    built.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(built.stack, caption.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:ListBucket',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::vlmflow-models']],
            },
            Condition: { StringLike: { 's3:prefix': ['onnx', 'onnx/*'] } },
          },
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::vlmflow-models/onnx/*']],
            },
          },
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-models/*']],
            },
          },
        ]),
      },
    });
    // Read-only: no statement on a model location grants anything but list and get.
    const statements = Object.values(
      built.template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: logicalIdOf(built.stack, caption.role) }] },
      }),
    ).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    const onModels = statements.filter((st) =>
      /vlmflow-models|shared-models/.test(JSON.stringify(st)),
    );
    expect(onModels).toHaveLength(4);
    expect(new Set(onModels.flatMap((st) => st.Action))).toEqual(
      new Set(['s3:ListBucket', 's3:GetObject']),
    );
  });

  test('the caption function and Plan (which checks model folders) may read models/ of the data bucket; other functions may not', () => {
    expect(policiesOf(built, 'caption')).toContain('/models/*');
    expect(policiesOf(built, 'plan')).toContain('/models/*');
    expect(policiesOf(built, 'plan')).toContain('shared-models');
    expect(rootsOf(environmentOf(built, 'plan'))).toContain(',s3://shared-models/');
    expect(policiesOf(built, 'curate')).not.toContain('/models/*');
    expect(policiesOf(built, 'curate')).not.toContain('vlmflow-models');
    expect(policiesOf(built, 'mix')).not.toContain('shared-models');
  });

  test("the caption function's allowed roots add the model locations as s3:// URIs", () => {
    const caption = rootsOf(environmentOf(built, 'caption'));
    expect(caption).toContain(',s3://vlmflow-models/onnx');
    expect(caption).toContain(',s3://shared-models/');
    const curate = rootsOf(environmentOf(built, 'curate'));
    expect(curate).not.toContain('vlmflow-models');
    expect(curate).not.toContain('shared-models');
  });

  test('cdk-nag clean: each model-location wildcard is acknowledged', () => {
    const { app } = buildStack('mix-train', { context: MODEL_CONTEXT });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('a location that is not an S3 bucket or prefix fails synth, naming it', () => {
    for (const bad of ['/opt/models', 'file:///opt/models', 'Bad_Bucket/x']) {
      expect(() => buildStack('mix-train', { context: { 'vlmflow:modelLocations': bad } })).toThrow(
        `vlmflow:modelLocations: expected bucket, bucket/prefix or s3://bucket/prefix, got ${JSON.stringify(bad)}`,
      );
    }
  });
});

describe('allowed roots are s3:// URIs', () => {
  test('a bare bucket/prefix input location is written as s3://, not read as a local path', () => {
    expect(s3RootOf('shared-corpus/web/shards')).toBe('s3://shared-corpus/web/shards');
    expect(s3RootOf('s3://shared-corpus/web/shards')).toBe('s3://shared-corpus/web/shards');
    expect(s3RootOf('shared-corpus')).toBe('s3://shared-corpus/');
    const built = buildStack('mix-train', {
      context: { 'vlmflow:inputLocations': 'more-shards/pairs' },
    });
    const roots = rootsOf(environmentOf(built, 'curate'));
    expect(roots).toContain(',s3://shared-corpus/web/shards');
    expect(roots).toContain(',s3://more-shards/pairs');
    expect(roots).not.toMatch(/,more-shards/);
  });
});
