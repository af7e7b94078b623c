/** A pipeline whose train stage sets nodes gets a multi-node parallel job definition. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PipelineStack, stackNameOf } from '../../infra/cdk/pipeline-stack';
import multiNode from '../../pipelines/pairs-connector-multinode';
import { PROJECT_ROOT } from './helpers';

function synth(context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new PipelineStack(app, stackNameOf(multiNode.name), {
    pipeline: multiNode,
    pipelineFile: path.join(PROJECT_ROOT, 'pipelines', 'pairs-connector-multinode.ts'),
    projectRoot: PROJECT_ROOT,
  });
  return Template.fromStack(stack);
}

describe('multi-node training (pipelines/pairs-connector-multinode.ts)', () => {
  const template = synth();

  test('one multi-node job definition whose open node range lets a run set the node count', () => {
    template.resourceCountIs('AWS::Batch::JobDefinition', 1);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'multinode',
      NodeProperties: Match.objectLike({
        MainNode: 0,
        NodeRangeProperties: [
          Match.objectLike({
            TargetNodes: '0:',
            Container: Match.objectLike({ JobRoleArn: Match.anyValue() }),
          }),
        ],
      }),
    });
  });

  test('nodes reach each other, and their containers reach S3 without a public IP', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(
      ingress.some(
        (rule) =>
          rule.Properties.IpProtocol === '-1' &&
          JSON.stringify(rule.Properties.SourceSecurityGroupId) ===
            JSON.stringify(rule.Properties.GroupId),
      ),
    ).toBe(true);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  test('Spot is refused: Batch runs multi-node jobs on On-Demand instances only', () => {
    expect(() => synth({ 'vlmflow:gpuSpot': true })).toThrow(/multi-node parallel jobs.*Spot/);
  });
});
