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
import { accessFor, runAsDeployed } from './helpers';

async function bucketWithInputs(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `vlmflow-deployed-${name}-`));
  const inputs = path.join(dir, 'inputs');
  await makeSampleShards(path.join(inputs, 'pairs'), { shards: 1, samplesPerShard: 8, seed: 3 });
  await docsShard(path.join(inputs, 'docs'));
  const { pdfDir, jsonlDir } = await makeDocumentFixtures(path.join(dir, 'made'), {
    manyPages: 3,
  });
  await cp(pdfDir, path.join(inputs, 'pdfs'), { recursive: true });
  await cp(jsonlDir, path.join(inputs, 'texts'), { recursive: true });
  return dir;
}

describe.each(['obelics', 'cauldron-mixture'])('%s as deployed, {}', (name) => {
  it('succeeds under the synthesized policies', async () => {
    const dir = await bucketWithInputs(name);
    const { result } = await runAsDeployed(name, accessFor(name, dir));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
  }, 600_000);
});
