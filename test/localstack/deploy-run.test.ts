/**
 * Opt-in (`npm run test:localstack`): deploys a tiny pipeline to LocalStack with cdklocal,
 * uploads shards, starts a run with `vlmflow start`'s code and polls it to the end. Skipped
 * unless LOCALSTACK_ENDPOINT is set (e.g. http://localhost:4566 after `localstack start`);
 * needs `cdklocal` (npm package aws-cdk-local) on PATH.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { defaultIo, startAction, statusAction } from '../../infra/cli/aws/actions';
import { makeSampleShards } from '../fixtures/sample-shards';
import tiny from './fixtures/ls-tiny';

const endpoint = process.env.LOCALSTACK_ENDPOINT;
const ROOT = path.resolve(__dirname, '..', '..');

(endpoint ? describe : describe.skip)(
  'LocalStack: cdklocal deploy → vlmflow start → status',
  () => {
    const saved = { ...process.env };
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-localstack-'));
    let bucket = '';

    beforeAll(() => {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      });
      const outputs = path.join(work, 'outputs.json');
      for (const args of [
        ['bootstrap'],
        [
          'deploy',
          'vlmflow-ls-tiny',
          '--require-approval',
          'never',
          '--outputs-file',
          outputs,
          '-c',
          'vlmflow:pipelinesDir=test/localstack/fixtures',
          '-c',
          'vlmflow:training=off',
          '-c',
          'vlmflow:removalPolicy=destroy',
        ],
      ]) {
        execFileSync('cdklocal', args, { cwd: ROOT, stdio: 'inherit', env: process.env });
      }
      const stackOutputs = (
        JSON.parse(fs.readFileSync(outputs, 'utf8')) as Record<string, Record<string, string>>
      )['vlmflow-ls-tiny'];
      bucket = stackOutputs?.BucketName ?? '';
    }, 600_000);

    afterAll(() => {
      process.env = saved;
      fs.rmSync(work, { recursive: true, force: true });
    });

    test('a run with training switched off succeeds and writes its summary', async () => {
      const s3 = new S3Client({ forcePathStyle: true });
      const shards = await makeSampleShards(path.join(work, 'shards'), {
        shards: 2,
        samplesPerShard: 8,
        seed: 1,
      });
      for (const file of shards.paths) {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `inputs/pairs/${path.basename(file)}`,
            Body: fs.readFileSync(file),
          }),
        );
      }
      let output = '';
      const io = { ...defaultIo(), write: (text: string) => void (output += text) };
      await startAction(tiny.graph, { runId: 'ls-1', param: ['train=false'], json: true }, io);
      const { executionArn } = JSON.parse(output) as { executionArn: string };

      let status = 'RUNNING';
      for (let i = 0; i < 120 && status === 'RUNNING'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        output = '';
        await statusAction(executionArn, { json: true }, io);
        status = (JSON.parse(output) as { status: string }).status;
      }
      expect(status).toBe('SUCCEEDED');
      const summary = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'runs/ls-tiny/ls-1/summary.json' }),
      );
      const parsed = JSON.parse(await (summary.Body?.transformToString() ?? '{}')) as {
        status: string;
        stages: Record<string, { in: number }>;
      };
      expect(parsed.status).toBe('SUCCEEDED');
      expect(parsed.stages.pairs?.in).toBe(shards.samples);
    }, 600_000);
  },
);
