/**
 * The shipped curation pipelines that read documents, PDFs and text, as deployed and started
 * with `{}`: inputs under `inputs/<source>/` of the bucket, every request checked against the
 * synthesized roles.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { docsShard } from '../fixtures/docs-shard';
import { makeDocumentFixtures } from '../fixtures/pdfs';
import { makeSampleShards } from '../fixtures/sample-shards';
import type { DeployedAccess } from '../../infra/local/deployed/access';
import { accessFor, runAsDeployed, unneededStatements, type RecordedRun } from './helpers';

async function bucketWithInputs(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `vlmflow-deployed-${name}-`));
  const inputs = path.join(dir, 'inputs');
  await makeSampleShards(path.join(inputs, 'pairs'), {
    shards: 1,
    samplesPerShard: 8,
    seed: 3,
    // Photo-like samples: laion-style's blur filter rejects the smooth default pictures.
    curationCases: name === 'laion-style',
  });
  await docsShard(path.join(inputs, 'docs'));
  const { pdfDir, jsonlDir } = await makeDocumentFixtures(path.join(dir, 'made'), {
    manyPages: 3,
  });
  await cp(pdfDir, path.join(inputs, 'pdfs'), { recursive: true });
  await cp(jsonlDir, path.join(inputs, 'texts'), { recursive: true });
  return dir;
}

/**
 * Statements this pipeline's run does not need, each needed elsewhere: finalize lists only to
 * tell a failed shard's missing stats from a denial (S3's 403 for a key a prefix-conditioned
 * ListBucket may not cover), which pairs-basic's tolerated-failure run exercises. Every other
 * statement of every role is needed.
 */
const GRANTED_UNUSED: Readonly<Record<string, readonly string[]>> = {
  obelics: ['finalize s3:ListBucket'],
  'cauldron-mixture': ['finalize s3:ListBucket'],
  'laion-style': ['finalize s3:ListBucket'],
};

describe.each([
  ['obelics', 'in-process'],
  ['cauldron-mixture', 'in-process'],
  // Model operators: onnxruntime-node needs worker processes.
  ['laion-style', 'processes'],
] as const)('%s as deployed, {}', (name, workerMode) => {
  let access: DeployedAccess;
  let run: RecordedRun;

  beforeAll(async () => {
    access = accessFor(name, await bucketWithInputs(name));
    run = await runAsDeployed(name, access, {}, workerMode);
  }, 600_000);

  it('succeeds under the synthesized policies', () => {
    expect(run.result.error).toBeUndefined();
    expect(run.result.status).toBe('SUCCEEDED');
  });

  it('needs every statement of every role: without any one, a request the run made is denied', async () => {
    expect(await unneededStatements(access, run.allowed)).toEqual(GRANTED_UNUSED[name]);
  });
});
