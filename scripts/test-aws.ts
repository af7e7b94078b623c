/**
 * `npm run test:aws` (opt-in, costs a few cents): deploys the pairs-basic stack to the account
 * AWS_PROFILE names, uploads sample shards to `inputs/pairs/`, starts `{}` as the console would,
 * waits, checks the run summary, the dataset manifest and the report, and destroys the stack
 * (bucket included) whatever happened. The same steps run in `npm test` against the local run
 * as deployed (test/aws-e2e/end-to-end.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { messageOf } from '../core/errors';
import pairsBasic from '../pipelines/pairs-basic';
import { stackNameOf } from '../infra/cdk/pipeline-stack';
import { makeSampleShards } from '../test/fixtures/sample-shards';
import { AwsCloud, defaultAwsClients } from './aws-e2e/aws-cloud';
import { runEndToEnd } from './aws-e2e/end-to-end';

const SHARDS = { shards: 2, samplesPerShard: 16, seed: 14 };

async function main(): Promise<void> {
  if (!process.env.AWS_PROFILE)
    throw new Error(
      'npm run test:aws deploys a stack to a real account and destroys it: set AWS_PROFILE to the profile to use (its region too, e.g. AWS_REGION), after npx cdk bootstrap',
    );
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-test-aws-'));
  try {
    await makeSampleShards(dir, SHARDS);
    const result = await runEndToEnd(new AwsCloud(defaultAwsClients()), {
      graph: pairsBasic.graph,
      stackName: stackNameOf(pairsBasic.name),
      shardDirs: { pairs: dir },
      samples: { pairs: SHARDS.shards * SHARDS.samplesPerShard },
      log: (line) => console.log(`test:aws: ${line}`),
    });
    console.log(JSON.stringify(result.summary, null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`test:aws FAILED: ${messageOf(error)}`);
  process.exit(1);
});
