/**
 * What a deploy needs that synth alone does not show: images and native binaries built for the
 * AWS hosts whatever machine deploys, a queue that gives up on jobs that cannot start, instance
 * types that can hold the job, and state machine logs under /aws/vendedlogs/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { instanceFitProblem } from '../../infra/cdk/gpu-instances';
import { platformRuntimeDirs } from '../../infra/cdk/native-modules';
import { PROJECT_ROOT, buildStack } from './helpers';

describe('built for the target, whatever the host', () => {
  test('the training image asset is linux/amd64 (GPU hosts are x86_64)', () => {
    const { app, stack } = buildStack('mix-train');
    const assembly = app.synth();
    const manifest = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, `${stack.stackName}.assets.json`), 'utf8'),
    ) as { dockerImages: Record<string, { source: { platform?: string } }> };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]?.source.platform).toBe('linux/amd64');
  });

  test("a bundle whose PDF canvas binary is not the Lambda platform's fails, saying what to install", () => {
    const arm = { os: 'linux', cpu: 'arm64', libc: 'glibc' };
    expect(() => platformRuntimeDirs(PROJECT_ROOT, 'pdfjs-dist', arm)).toThrow(
      '@napi-rs/canvas-linux-arm64-gnu is not installed in node_modules, so the Lambda (linux-arm64) could not load it; ' +
        'install it with: npm install --os=linux --cpu=arm64 --libc=glibc @napi-rs/canvas',
    );
    const x64 = { os: 'linux', cpu: 'x64', libc: 'glibc' };
    expect(platformRuntimeDirs(PROJECT_ROOT, 'pdfjs-dist', x64)).toContain(
      'node_modules/pdfjs-dist/node_modules/@napi-rs/canvas-linux-x64-gnu',
    );
  });
});

describe('operations', () => {
  const { template } = buildStack('mix-train');

  test('the queue cancels jobs stuck RUNNABLE: no capacity after an hour, never-fitting after 10 minutes', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [
        {
          Action: 'CANCEL',
          State: 'RUNNABLE',
          Reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
          MaxTimeSeconds: 3600,
        },
        Match.objectLike({
          Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE',
          MaxTimeSeconds: 600,
        }),
        Match.objectLike({
          Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
          MaxTimeSeconds: 600,
        }),
      ],
    });
  });

  test('state machine logs go under /aws/vendedlogs/states/, unique per stack', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': [
          '',
          [
            '/aws/vendedlogs/states/vlmflow-cdk-train-',
            { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
          ],
        ],
      },
    });
  });

  test('instance types that cannot hold the train stage fail synth, naming the needs', () => {
    // mix-train's stage: 2 GPUs, 16 vCPUs, 120,000 MiB.
    expect(() =>
      buildStack('mix-train', { context: { 'vlmflow:gpuInstanceTypes': 'g5.xlarge,g6.2xlarge' } }),
    ).toThrow(
      'no allowed GPU instance type can run the largest train stage (16 vCPUs, 120000 MiB, 2 GPU',
    );
    expect(() =>
      buildStack('mix-train', { context: { 'vlmflow:gpuInstanceTypes': 'g5' } }),
    ).not.toThrow();
    expect(
      instanceFitProblem(['g5.12xlarge'], { vcpus: 16, memoryMiB: 120000, gpus: 2 }),
    ).toBeUndefined();
    expect(
      instanceFitProblem(['x9.future'], { vcpus: 999, memoryMiB: 1, gpus: 9 }),
    ).toBeUndefined();
  });
});
