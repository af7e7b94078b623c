import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStack, type FixtureName } from './helpers';

/** Synthesizes with the AwsSolutions pack; cdk-nag v3 fails synth on any unacknowledged finding. */
function nagViolations(fixture: FixtureName): string[] {
  const { app } = buildStack(fixture);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return [];
  } catch (error) {
    return [String(error)];
  }
}

describe('cdk-nag AwsSolutions', () => {
  test.each<FixtureName>(['curate-custom', 'mix-train'])(
    '%s: every finding is acknowledged with a reason',
    (fixture) => {
      expect(nagViolations(fixture)).toEqual([]);
    },
  );

  test('a new wildcard is not hidden by the acknowledgements', () => {
    const { app, stack } = buildStack('curate-custom');
    stack.stageFunctions.get('summary').addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:*'],
        resources: [stack.dataBucket.bucket.bucketArn],
      }),
    );
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow('AwsSolutions-IAM5[Action::s3:*]');
  });
});
