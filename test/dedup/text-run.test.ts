/**
 * Frequency and MinHash dedups end to end through the CLI: three real shards → `vlmflow run
 * <fixture> --local` → every sample of a too-frequent URL rejected (none kept), each
 * near-duplicate caption rejected naming the earlier one, balances per shard and per run, and
 * the same datasets from another run id.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunSummary } from '../../core/contracts';
import { rejectsOf, runDedupFixture } from './cli-run';
import { makeTextShards } from './text-shards';

const runFixture = (input: string, workdir: string, runId: string, extra: readonly string[] = []) =>
  runDedupFixture('dedup-text', ['frequent', 'captions', 'both'], input, workdir, runId, extra);

describe('frequency and MinHash dedups, vlmflow run --local', () => {
  let dir: string;
  let input: string;
  let summary: RunSummary;
  let runRoot: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-dedup-text-'));
    input = path.join(dir, 'input');
    await makeTextShards(input);
    summary = await runFixture(input, path.join(dir, 'work'), 'r1');
    runRoot = path.join(dir, 'work', 'runs', 'dedup-text', 'r1');
  }, 300_000);

  it('counts every sample once: in = kept + Σ rejected per stage', () => {
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.stages.frequent).toEqual({
      in: 11,
      kept: 7,
      rejected: {
        'dedup.frequency:frequent_url': 3,
        'text.special_chars:too_many_special_chars': 1,
      },
    });
    expect(summary.stages.captions).toEqual({
      in: 11,
      kept: 7,
      rejected: {
        'dedup.minhash:near_duplicate_text': 3,
        'text.special_chars:too_many_special_chars': 1,
      },
    });
    expect(summary.stages.both).toEqual({
      in: 11,
      kept: 6,
      rejected: {
        'dedup.frequency:frequent_url': 3,
        'dedup.minhash:near_duplicate_text': 1,
        'text.special_chars:too_many_special_chars': 1,
      },
    });
  });

  it('frequency: every sample of a URL seen more than maxOccurrences times goes, the first included', async () => {
    expect(await rejectsOf(runRoot, 'frequent')).toEqual({
      'shard-0/s0-lake': 'dedup.frequency:frequent_url url occurs 3 times in the run (max 2)',
      'shard-1/s1-lake-sunset':
        'dedup.frequency:frequent_url url occurs 3 times in the run (max 2)',
      'shard-2/s2-market-copy':
        'dedup.frequency:frequent_url url occurs 3 times in the run (max 2)',
      'shard-2/s2-symbols': expect.stringMatching(/^text\.special_chars:too_many_special_chars/),
    });
  });

  it('minhash: a caption that differs by a word from an earlier one goes, naming it', async () => {
    expect(await rejectsOf(runRoot, 'captions')).toEqual({
      'shard-1/s1-lake-sunset': 'dedup.minhash:near_duplicate_text kept shard-0/s0-lake',
      'shard-2/s2-market-copy': 'dedup.minhash:near_duplicate_text kept shard-0/s0-market',
      'shard-2/s2-kitten-again': 'dedup.minhash:near_duplicate_text kept shard-1/s1-kitten',
      'shard-2/s2-symbols': expect.stringMatching(/^text\.special_chars:too_many_special_chars/),
    });
  });

  it('both in one source: the MinHash dedup sees only what the frequency dedup kept', async () => {
    const rejects = await rejectsOf(runRoot, 'both');
    expect(Object.keys(rejects).sort()).toEqual([
      'shard-0/s0-lake',
      'shard-1/s1-lake-sunset',
      'shard-2/s2-kitten-again',
      'shard-2/s2-market-copy',
      'shard-2/s2-symbols',
    ]);
    expect(rejects['shard-2/s2-market-copy']).toMatch(/^dedup\.frequency:frequent_url /);
    expect(rejects['shard-2/s2-kitten-again']).toBe(
      'dedup.minhash:near_duplicate_text kept shard-1/s1-kitten',
    );
  });

  it('takes maxOccurrences from a run parameter; other partitions give byte-identical datasets', async () => {
    const other = await runFixture(input, path.join(dir, 'work'), 'r2', [
      ...['--param', 'maxUrlOccurrences=3'],
      // An implicit parameter of the MinHash dedup: 14 bands × 1 partition instead of × 4.
      ...['--param', 'captions.dedup.minhash.partitions=1'],
    ]);
    const resolvedIn = async (runId: string) => {
      const runDir = path.join(dir, 'work', 'runs', 'dedup-text', runId);
      const generations = path.join(runDir, 'dedup', 'captions', 'generations');
      const [generation] = await readdir(generations);
      return readdir(path.join(generations, generation!, 'resolved'));
    };
    expect(await resolvedIn('r1')).toHaveLength(14 * 4);
    expect(await resolvedIn('r2')).toHaveLength(14);
    expect(other.stages.frequent?.rejected['dedup.frequency:frequent_url']).toBeUndefined();
    expect(other.stages.captions).toEqual(summary.stages.captions);
    const manifest = async (runId: string) =>
      JSON.parse(
        await readFile(
          path.join(
            dir,
            'work',
            'runs',
            'dedup-text',
            runId,
            'datasets',
            'captions',
            'manifest.json',
          ),
          'utf8',
        ),
      ) as { shards: { sha256: string }[] };
    expect((await manifest('r2')).shards.map((s) => s.sha256)).toEqual(
      (await manifest('r1')).shards.map((s) => s.sha256),
    );
  }, 300_000);
});
