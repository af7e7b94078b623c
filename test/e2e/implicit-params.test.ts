/**
 * Implicit operator parameters end to end (docs/parameters.md): `vlmflow run --local --param
 * <source>.<op>.<arg>=…` changes what the operators reject; a bad value or an unknown name
 * fails the run at Plan, before any shard; bound arguments refuse implicit names.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { vlmflow } from '../helpers/cli';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import type { RunSummary } from '../../core/contracts';
import { compile } from '../../infra/compiler';
import { runLocal } from '../../infra/local/runner';
import demo from './implicit-params.pipeline';

const PIPELINE = path.join(__dirname, 'implicit-params.pipeline.ts');
/** Square images' sides and their captions' word counts, sample by sample. */
const SIDES = [40, 50, 70, 90, 110, 130, 150, 170, 190, 210];
const WORDS = [2, 3, 4, 5, 2, 3, 4, 5, 2, 3];

async function writeShards(dir: string): Promise<void> {
  for (const shard of [0, 1]) {
    const writer = new ShardWriter(path.join(dir, `pairs-${shard}.tar`));
    for (let i = shard * 5; i < shard * 5 + 5; i++) {
      const side = SIDES[i]!;
      const jpg = await sharp({
        create: { width: side, height: side, channels: 3, background: { r: i * 20, g: 90, b: 40 } },
      })
        .jpeg()
        .toBuffer();
      const txt = Buffer.from(Array.from({ length: WORDS[i]! }, (_, w) => `word${w}`).join(' '));
      await writer.add({ key: `s${String(i).padStart(2, '0')}`, parts: { jpg, txt } });
    }
    await writer.close();
  }
}

describe('implicit operator parameters, run locally', () => {
  let dir: string;
  let input: string;
  const run = async (runId: string, params: readonly string[]) => {
    const result = await vlmflow([
      'run',
      PIPELINE,
      '--local',
      '--input',
      input,
      '--workdir',
      path.join(dir, 'work'),
      '--run-id',
      runId,
      '--concurrency',
      '1',
      '--json',
      ...params.flatMap((p) => ['--param', p]),
    ]);
    return result;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-implicit-'));
    input = path.join(dir, 'input');
    await mkdir(input, { recursive: true });
    await writeShards(input);
  });

  it('keeps the literal values when no implicit parameter is given', async () => {
    const result = await run('defaults', []);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    // minSide 64: sides 40 and 50 are too small; maxWords 50 rejects nothing.
    expect(summary.stages.pairs).toEqual({
      in: 10,
      kept: 8,
      rejected: { 'image.size:too_small': 2 },
    });
  }, 120_000);

  it('--param pairs.image.size.minSide and pairs.text.length#2.maxWords change the rejects', async () => {
    const result = await run('overridden', [
      'pairs.image.size.minSide=100',
      'pairs.text.length#2.maxWords=3',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    // Sides 40, 50, 70, 90 are under 100 px; of the six left (words 2 3 4 5 2 3), two have > 3 words.
    expect(summary.stages.pairs).toEqual({
      in: 10,
      kept: 4,
      rejected: { 'image.size:too_small': 4, 'text.length:too_long': 2 },
    });
  }, 120_000);

  it('refuses an implicit name for a bound argument, naming the declared parameter', async () => {
    const result = await run('bound', ['pairs.text.length.minWords=3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'vlmflow: --param pairs.text.length.minWords: argument "minWords" of operator text.length is bound to the pipeline parameter "minWords"; use --param minWords=3\n',
    );
  });

  it('refuses an unknown name with close matches, before starting', async () => {
    const result = await run('unknown', ['pairs.image.size.minSde=100']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'vlmflow: --param pairs.image.size.minSde: unknown parameter (known: maxConcurrency, toleratedFailurePercentage, statsInJson, minWords) (close matches: pairs.image.size.minSide)\n',
    );
    expect(existsSync(path.join(dir, 'work', 'runs', 'implicit-demo', 'unknown'))).toBe(false);
  });

  it('vlmflow params lists them, bound arguments pointing to their declared parameter', async () => {
    const result = await vlmflow(['params', PIPELINE]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').map((line) => line.replace(/ +/g, ' ').trim());
    expect(lines[0]).toBe(
      'implicit-demo: 4 declared, 11 operator parameters; set with --param <name>=<value> or {"params": {"<name>": <value>}}',
    );
    expect(lines).toContain('source pairs');
    // Every pipeline has statsInJson: the opt-out of measurements in kept samples' json.
    expect(lines).toContain(
      'statsInJson boolean true Kept samples carry what the operators measured (json vlmflow.stats); false leaves json as the operators wrote it',
    );
    expect(lines).toContain(
      'pairs.image.size.minSide integer 64 >=0 image.size argument "minSide"',
    );
    expect(lines).toContain('pairs.text.length.minWords bound to minWords: set that one');
    expect(lines).toContain(
      'pairs.text.length#2.maxWords integer 50 >0 text.length argument "maxWords"',
    );
    expect(lines).toContain(
      'pairs.text.length.maxChars integer (unset) >0 text.length argument "maxChars"',
    );
  });

  /** Execution input as the console sends it: Plan alone checks it. */
  const start = (runId: string, params: Record<string, unknown>) =>
    runLocal({
      definition: compile(demo.graph).definition,
      pipeline: { name: demo.name, modulePath: PIPELINE },
      dataRoot: `file://${path.join(dir, 'work')}`,
      input: { runId, params, inputs: { pairs: `file://${input}` } } as never,
      concurrency: 1,
    });

  it.each([
    [
      { 'pairs.image.size.minSide': -5 },
      'params.pairs.image.size.minSide: invalid for operator image.size (pairs.image.size): minSide: must be >= 0, received -5',
    ],
    [
      { 'pairs.image.size.minSide': 30000 },
      'params.pairs.image.size.minSide: invalid for operator image.size (pairs.image.size): maxSide: must be at least minSide',
    ],
    [
      { 'pairs.text.length#2.maxWords': 2.5 },
      'params.pairs.text.length#2.maxWords: invalid for operator text.length (pairs.text.length#2): maxWords: expected an integer, received 2.5',
    ],
    [
      { 'pairs.image.size.minside': 100 },
      'params.pairs.image.size.minside: unknown parameter (known: maxConcurrency, toleratedFailurePercentage, statsInJson, minWords) (close matches: pairs.image.size.minSide, pairs.image.size.maxSide)',
    ],
    [
      { 'pairs.text.length.minWords': 3 },
      'params.pairs.text.length.minWords: argument "minWords" of operator text.length (pairs.text.length) is bound to the pipeline parameter "minWords"; set params.minWords instead',
    ],
  ])(
    'execution input %j fails at Plan, before any shard',
    async (params, message) => {
      const runId = `bad-${Object.keys(params)[0]!.replace(/[^A-Za-z0-9]/g, '-')}-${Object.values(params)[0]}`;
      const result = await start(runId, params);
      expect(result.status).toBe('FAILED');
      const cause = JSON.parse(result.error?.Cause ?? '{}') as { errorMessage?: string };
      expect(cause.errorMessage).toBe(`invalid run parameters: ${message}`);
      const runRoot = path.join(dir, 'work', 'runs', 'implicit-demo', runId);
      expect(existsSync(path.join(runRoot, 'stats'))).toBe(false);
      expect(existsSync(path.join(runRoot, 'manifests'))).toBe(false);
    },
    60_000,
  );
});
