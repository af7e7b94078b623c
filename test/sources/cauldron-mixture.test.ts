/**
 * The Idefics2-style mixture end to end through `vlmflow run --local`: pairs and interleaved
 * documents (tar shards), PDF pages and text-only JSON lines, each curated, then mixed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '../../core/contracts';
import { makeDocumentFixtures } from '../fixtures/pdfs';
import { makeSampleShards } from '../fixtures/sample-shards';
import { docsShard } from '../fixtures/docs-shard';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

it('curates and mixes pairs, documents, PDF pages and text-only data', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-cauldron-'));
  await makeSampleShards(path.join(dir, 'pairs'), { shards: 1, samplesPerShard: 12, seed: 3 });
  await docsShard(path.join(dir, 'docs'));
  const { pdfDir, jsonlDir } = await makeDocumentFixtures(path.join(dir, 'in'));
  const { stdout } = await run(
    path.join(ROOT, 'bin', 'vlmflow'),
    [
      'run',
      'cauldron-mixture',
      '--local',
      '--input',
      `pairs=${path.join(dir, 'pairs')}`,
      '--input',
      `docs=${path.join(dir, 'docs')}`,
      '--input',
      `pdfs=${pdfDir}`,
      '--input',
      `texts=${jsonlDir}`,
      '--workdir',
      path.join(dir, 'work'),
      '--json',
    ],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  const summary = JSON.parse(stdout) as RunSummary;
  expect(summary.status).toBe('SUCCEEDED');
  for (const stage of ['pairs', 'docs', 'pdfs', 'texts']) {
    const counts = summary.stages[stage]!;
    expect(counts.in).toBe(counts.kept + sum(counts.rejected));
  }
  // text 3 pages + mixed 2 pages + damaged, encrypted, many (500 > maxPages 200): 8 records;
  // the image-only page is kept (requireTextLayer defaults to false).
  expect(summary.stages['pdfs']).toEqual({
    in: 8,
    kept: 5,
    rejected: {
      'pdf:damaged': 1,
      'pdf:encrypted': 1,
      'pdf:too_many_pages': 1,
    },
  });
  expect(summary.stages['texts']).toMatchObject({ in: 9, kept: 4 });
  expect(summary.stages['docs']).toMatchObject({ in: 3, kept: 3 });
  expect(summary.outputs['cauldron']).toBeDefined();
  expect(summary.stages['cauldron']!.kept).toBeGreaterThan(0);
});
