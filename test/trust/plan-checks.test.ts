/**
 * Model folders and list files a run names are checked at Plan, before any shard is curated,
 * with a message that names the parameter to change.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localRunArgs, ROOT, vlmflow } from '../helpers/cli';
import type { RunSummary } from '../../core/contracts';
import { makeSampleShards } from '../fixtures/sample-shards';

describe('Plan checks model and list URIs', () => {
  let dir: string;
  let input: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-plan-checks-'));
    input = path.join(dir, 'input');
    await makeSampleShards(input, { shards: 2, samplesPerShard: 4, seed: 2 });
  });

  it('a missing model folder, a model file missing from its folder and a missing list fail Plan, each named', async () => {
    const partial = path.join(dir, 'caption-partial');
    await cp(path.join(ROOT, 'test', 'fixtures', 'models', 'caption-tiny'), partial, {
      recursive: true,
    });
    await rm(path.join(partial, 'tokenizer.json'));
    const workdir = path.join(dir, 'work');
    const result = await vlmflow(
      localRunArgs('cauldron', {
        input,
        workdir,
        runId: 'bad-models',
        params: [
          `nsfwModel=${path.join(dir, 'no-such-model')}`,
          `captionModel=${partial}`,
          `optoutUrlsUri=${path.join(dir, 'no-such-list.txt')}`,
        ],
      }),
    );
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.error?.error).toBe('ParamError');
    const message = summary.causes?.[0]?.message ?? '';
    expect(message).toContain(
      `params.nsfwModel (model of model.classify): model folder ${path.join(dir, 'no-such-model')} does not exist or is empty`,
    );
    expect(message).toContain(
      `params.captionModel (model of caption.generate): model folder ${partial} lacks tokenizer.json (listed in SHA256SUMS)`,
    );
    expect(message).toContain(
      `params.optoutUrlsUri (urlListUri of optout): ${path.join(dir, 'no-such-list.txt')} does not exist`,
    );
    // Refused before any shard: no run folder content at all.
    const runRoot = path.join(workdir, 'runs', 'cauldron', 'bad-models');
    expect(existsSync(path.join(runRoot, 'stats'))).toBe(false);
    expect(existsSync(path.join(runRoot, 'manifests'))).toBe(false);
    expect((await readdir(runRoot).catch(() => [])).sort()).toEqual(
      expect.not.arrayContaining(['run.json']),
    );
  }, 120_000);
});
