/**
 * The data bucket's lifecycle: rules that match the `vlmflow:kind` tag the handlers put on
 * rejects, intermediates and manifests (core/object-tags.ts), their expirations
 * from context, and the tagging permission the writers need.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DataBucket } from '../../infra/cdk/data-bucket';
import { buildStack } from './helpers';

interface Rule {
  readonly Id: string;
  readonly Prefix?: string;
  readonly TagFilters?: readonly { Key: string; Value: string }[];
  readonly ExpirationInDays?: number;
}

function rulesOf(template: Template): readonly Rule[] {
  const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
  expect(buckets).toHaveLength(1);
  const props = buckets[0]!.Properties as { LifecycleConfiguration: { Rules: Rule[] } };
  return props.LifecycleConfiguration.Rules;
}

/** kind → days of the expiry rules, and every one of them filters on `runs/` and the tag. */
function expiries(template: Template): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rule of rulesOf(template)) {
    if (rule.ExpirationInDays === undefined) continue;
    const kind = rule.Id.replace(/^expire-/, '');
    expect(rule).toMatchObject({
      Prefix: 'runs/',
      TagFilters: [{ Key: 'vlmflow:kind', Value: kind }],
    });
    out[kind] = rule.ExpirationInDays;
  }
  return out;
}

function bucketIn(context: Record<string, unknown>, props = {}): Template {
  const stack = new Stack(new App({ context }), 'Lifecycle');
  new DataBucket(stack, 'Data', props);
  return Template.fromStack(stack);
}

describe('data bucket lifecycle', () => {
  test('by default rejects expire after 90 days, tmp after 7, manifests after 30', () => {
    expect(expiries(bucketIn({}))).toEqual({ rejects: 90, tmp: 7, manifest: 30 });
    expect(rulesOf(bucketIn({}))[0]).toMatchObject({ Id: 'abort-incomplete-multipart-uploads' });
  });

  test('context sets the days; 0 removes the rule (strings from -c, numbers from cdk.json)', () => {
    const { template } = buildStack('curate-custom', {
      context: {
        'vlmflow:rejectsExpireDays': '365',
        'vlmflow:tmpExpireDays': 0,
        'vlmflow:manifestsExpireDays': 3,
      },
    });
    expect(expiries(template)).toEqual({ rejects: 365, manifest: 3 });
    expect(expiries(bucketIn({ 'vlmflow:rejectsExpireDays': '0' }))).toEqual({
      tmp: 7,
      manifest: 30,
    });
  });

  test('props win over context', () => {
    const template = bucketIn(
      { 'vlmflow:rejectsExpireDays': '10' },
      { objectExpiry: { rejectsExpireDays: 20, tmpExpireDays: undefined } },
    );
    expect(expiries(template)).toEqual({ rejects: 20, tmp: 7, manifest: 30 });
  });

  test('a value that is not a whole number of days fails synth naming the key', () => {
    for (const bad of ['-1', 'soon', '1.5', '']) {
      expect(() => bucketIn({ 'vlmflow:rejectsExpireDays': bad })).toThrow(
        `vlmflow:rejectsExpireDays: expected a whole number of days (0 = never expire), got ${JSON.stringify(bad)}`,
      );
    }
    expect(() =>
      buildStack('curate-custom', { context: { 'vlmflow:tmpExpireDays': 'week' } }),
    ).toThrow('vlmflow:tmpExpireDays: expected a whole number of days');
  });

  test('functions that write under runs/ may tag what they write there', () => {
    const { template } = buildStack('curate-custom');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map(
      (p) =>
        (
          p.Properties as {
            PolicyName: string;
            PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
          }
        ).PolicyDocument.Statement,
    );
    const tagging = policies
      .flat()
      .filter((s) => [s.Action].flat().includes('s3:PutObjectTagging'));
    expect(tagging.length).toBeGreaterThan(0);
    for (const statement of tagging) {
      expect([statement.Action].flat()).toContain('s3:PutObject');
      expect(JSON.stringify(statement.Resource)).toContain('/runs/*');
    }
  });
});
