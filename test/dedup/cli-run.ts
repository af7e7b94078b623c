/** What the run-scoped dedup CLI tests share: run a fixture pipeline, read a stage's rejects. */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary, ShardStats } from '../../core/contracts';
import { rejectShardsOf } from '../../core/manifests';
import { readShard } from '../../lambdas/shards/tar-reader';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'vlmflow');

/** `vlmflow run test/fixtures/pipelines/<fixture>.ts --local --json` with every stage reading `input`. */
export async function runDedupFixture(
  fixture: string,
  stages: readonly string[],
  input: string,
  workdir: string,
  runId: string,
  extra: readonly string[] = [],
): Promise<RunSummary> {
  const { stdout } = await promisify(execFile)(
    CLI,
    [
      'run',
      path.join(ROOT, 'test', 'fixtures', 'pipelines', `${fixture}.ts`),
      '--local',
      ...stages.flatMap((stage) => ['--input', `${stage}=${input}`]),
      ...['--workdir', workdir, '--run-id', runId, '--json', ...extra],
    ],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  return JSON.parse(stdout) as RunSummary;
}

const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** key → "op:reason detail" of every rejected sample of a stage, checking each shard's balance. */
export async function rejectsOf(runRoot: string, stage: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await readdir(path.join(runRoot, 'stats', stage))) {
    const stats = JSON.parse(
      await readFile(path.join(runRoot, 'stats', stage, file), 'utf8'),
    ) as ShardStats;
    expect(stats.in).toBe(stats.kept + sum(stats.rejected));
    for (const shard of rejectShardsOf(stats)) {
      for await (const record of readShard(createReadStream(new URL(shard.uri)))) {
        if (record.kind !== 'sample') continue;
        const { reject } = JSON.parse(record.sample.parts.json!.toString('utf8')) as {
          reject: { op: string; reason: string; detail?: string };
        };
        out[`${stats.shard}/${record.sample.key}`] =
          `${reject.op}:${reject.reason} ${reject.detail ?? ''}`.trim();
      }
    }
  }
  return out;
}
