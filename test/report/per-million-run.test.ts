/** `vlmflow cost <run> --per-million`: the CPU time a run's shard tasks recorded, priced. */
import { joinUri } from '../../core/uri';
import { createShardHandler } from '../../lambdas/handlers/curate';
import { DEFAULT_PRICES } from '../../lambdas/report';
import { formatPerMillion, resolvePerMillion } from '../../infra/cli/cost-command';
import pairsBasic from '../../pipelines/pairs-basic';
import { pairsBasicEvent } from '../bench/curate-bench-setup';
import { goodPair, tempDir, writeShard, type TempDir } from '../handlers/helpers';

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => dir.remove());

test('prices a run from the CPU time its shard tasks recorded', async () => {
  const shardUri = joinUri(dir.uri, 'input', 'shard-000.tar');
  await writeShard(shardUri, await Promise.all([1, 2, 3, 4].map((i) => goodPair(`p${i}`, i))));
  const runRoot = joinUri(dir.uri, 'runs', 'pairs-basic', 'r1');
  const event = pairsBasicEvent(runRoot, 'r1', { key: 'shard-000', uri: shardUri });
  await createShardHandler(pairsBasic.operators, { inFlight: 2 })(event);

  const { comparison } = await resolvePerMillion(runRoot, { workdir: dir.path });
  expect(comparison.cpuMsPerImage).toBeGreaterThan(0);
  expect(comparison.lambda.usd).toBeGreaterThan(comparison.lambda.terms.compute! * 0.99);
  // Graviton: 20 % less per GB-second at the same CPU time.
  expect(
    comparison.lambdaArm64SameCpu.terms.compute! / comparison.lambda.terms.compute!,
  ).toBeCloseTo(0.8, 3);
  expect(comparison.img2datasetEc2.basis).toContain(
    `${DEFAULT_PRICES.baselines.img2datasetResizerCpuMsPerImage} ms CPU/image on c6i.4xlarge`,
  );
  const table = formatPerMillion(comparison, runRoot);
  expect(table).toContain('Lambda x86_64');
  expect(table).toContain('ratio Lambda / img2dataset');
});

test('a run without recorded CPU time says so', async () => {
  await expect(
    resolvePerMillion(joinUri(dir.uri, 'runs', 'none'), { workdir: dir.path }),
  ).rejects.toThrow('recorded no shard CPU time');
});
