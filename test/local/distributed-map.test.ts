import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonObject, JsonValue } from '../../infra/local/asl';
import { runLocal, type RunLocalOptions } from '../../infra/local/runner';
import type { RunEvent } from '../../infra/local/events';
import { distributedMap, machine, makeWorkdir, type Workdir, removeWorkdirs } from './asl-fixtures';

interface ShardPayload {
  readonly task: {
    readonly item: { readonly key: string };
    readonly index: number;
    readonly runId: string;
    readonly execution: string;
  };
}

const items = (n: number): JsonObject[] =>
  Array.from({ length: n }, (_, i) => ({ key: `shard-${i}`, uri: `file:///in/shard-${i}.tar` }));

async function run(
  work: Workdir,
  definition: JsonObject,
  options: Partial<RunLocalOptions> & { items: JsonValue[]; params?: JsonObject },
) {
  const plan = await work.plan(options.items, options.params);
  const summaries: JsonValue[] = [];
  const events: RunEvent[] = [];
  const result = await runLocal({
    definition,
    pipeline: { name: 'test' },
    dataRoot: work.dir,
    executionName: 'exec-1',
    concurrency: 8,
    onEvent: (event) => events.push(event),
    ...options,
    handlers: {
      plan: () => plan,
      summary: (event) => (summaries.push(event), { summarized: true }),
      ...options.handlers,
    },
  });
  return { result, summaries, events };
}

async function resultFolder(work: Workdir): Promise<string> {
  const [mapRunId] = await readdir(path.join(work.dir, 'results', 's'));
  return path.join(work.dir, 'results', 's', mapRunId!);
}

const readJsonFile = async (file: string): Promise<JsonValue> =>
  JSON.parse(await readFile(file, 'utf8')) as JsonValue;

describe('Distributed Map run locally', () => {
  afterAll(removeWorkdirs);
  let work: Workdir;
  beforeEach(async () => {
    work = await makeWorkdir();
  });

  it('reads the ItemReader manifest, applies ItemSelector per item and writes AWS-format results', async () => {
    const seen: ShardPayload[] = [];
    const { result, summaries } = await run(
      work,
      machine({ 'Curate s': distributedMap() }, 'Curate s'),
      {
        items: items(3),
        handlers: {
          curate: (event) => {
            seen.push(event as unknown as ShardPayload);
            return { shard: (event as unknown as ShardPayload).task.item.key, kept: 1 };
          },
        },
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(seen.map((e) => e.task).sort((a, b) => a.index - b.index)).toEqual([
      { stage: 's', runId: 'run1', item: items(3)[0], index: 0, execution: 'exec-1' },
      { stage: 's', runId: 'run1', item: items(3)[1], index: 1, execution: 'exec-1' },
      { stage: 's', runId: 'run1', item: items(3)[2], index: 2, execution: 'exec-1' },
    ]);

    const folder = await resultFolder(work);
    const mapRunId = path.basename(folder);
    expect((await readdir(folder)).sort()).toEqual(['SUCCEEDED_0.json', 'manifest.json']);
    const manifest = (await readJsonFile(path.join(folder, 'manifest.json'))) as JsonObject;
    const succeededKey = path.join(folder, 'SUCCEEDED_0.json');
    expect(manifest).toEqual({
      DestinationBucket: 'vlmflow-local-fs',
      MapRunArn: `arn:aws:states:local:000000000000:mapRun:vlmflow-test/Curate s:${mapRunId}`,
      ResultFiles: {
        FAILED: [],
        PENDING: [],
        SUCCEEDED: [{ Key: succeededKey, Size: (await readFile(succeededKey)).length }],
      },
    });
    const entries = (await readJsonFile(succeededKey)) as JsonObject[];
    expect(entries.map((e) => [e.Status, JSON.parse(e.Output as string)])).toEqual([
      ['SUCCEEDED', { shard: 'shard-0', kept: 1 }],
      ['SUCCEEDED', { shard: 'shard-1', kept: 1 }],
      ['SUCCEEDED', { shard: 'shard-2', kept: 1 }],
    ]);
    expect(JSON.parse(entries[1]!.Input as string)).toMatchObject({ item: items(3)[1], index: 1 });
    expect(entries[0]!.ExecutionArn).toMatch(
      /^arn:aws:states:local:000000000000:execution:vlmflow-test\/Curate s:/,
    );

    // The map's output ({MapRunArn, ResultWriterDetails}) lands at ResultPath for Finalize.
    const state = (summaries[0] as JsonObject).state as JsonObject;
    expect((state.maps as JsonObject).s).toEqual({
      MapRunArn: manifest.MapRunArn,
      ResultWriterDetails: { Bucket: 'vlmflow-local-fs', Key: path.join(folder, 'manifest.json') },
    });
  });

  it('keeps at most MaxConcurrencyPath items in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const { result, events } = await run(
      work,
      machine({ 'Curate s': distributedMap() }, 'Curate s'),
      {
        items: items(7),
        params: { maxConcurrency: 2 },
        handlers: {
          curate: async () => {
            inFlight += 1;
            most = Math.max(most, inFlight);
            for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
            inFlight -= 1;
            return {};
          },
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(most).toBe(2);
    const mapEvents = events.filter((e) => e.type === 'map');
    expect(Math.max(...mapEvents.map((e) => (e.type === 'map' ? e.running : 0)))).toBe(2);
    expect(mapEvents.at(-1)).toEqual({
      type: 'map',
      state: 'Curate s',
      total: 7,
      succeeded: 7,
      failed: 0,
      running: 0,
    });
  });

  it('returns the outputs in item order without a ResultWriter', async () => {
    const { result, summaries } = await run(
      work,
      machine({ 'Curate s': distributedMap({ resultWriter: false }) }, 'Curate s'),
      {
        items: items(4),
        handlers: {
          curate: (event) => ({ n: (event as unknown as ShardPayload).task.index * 10 }),
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(((summaries[0] as JsonObject).state as JsonObject).maps).toEqual({
      s: [{ n: 0 }, { n: 10 }, { n: 20 }, { n: 30 }],
    });
  });

  const failOdd = (event: JsonValue) => {
    const { index } = (event as unknown as ShardPayload).task;
    if (index % 2 === 1)
      throw Object.assign(new Error(`cannot read shard ${index}`), { name: 'ShardReadError' });
    return { index };
  };

  it('succeeds below the tolerated failure percentage and lists the failures in FAILED_0.json', async () => {
    // 2 of 8 fail when the odd ones of the first four do: 25% failed, 30% tolerated.
    const { result } = await run(work, machine({ 'Curate s': distributedMap() }, 'Curate s'), {
      items: items(8),
      params: { toleratedFailurePercentage: 30 },
      handlers: {
        curate: (event) =>
          (event as unknown as ShardPayload).task.index < 4 ? failOdd(event) : {},
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    const folder = await resultFolder(work);
    expect((await readdir(folder)).sort()).toEqual([
      'FAILED_0.json',
      'SUCCEEDED_0.json',
      'manifest.json',
    ]);
    const failed = (await readJsonFile(path.join(folder, 'FAILED_0.json'))) as JsonObject[];
    expect(failed.map((e) => [e.Status, e.Error, JSON.parse(e.Input as string).item.key])).toEqual([
      ['FAILED', 'ShardReadError', 'shard-1'],
      ['FAILED', 'ShardReadError', 'shard-3'],
    ]);
    expect(JSON.parse(failed[0]!.Cause as string)).toMatchObject({
      errorType: 'ShardReadError',
      errorMessage: 'cannot read shard 1',
    });
    const manifest = (await readJsonFile(path.join(folder, 'manifest.json'))) as {
      ResultFiles: Record<string, unknown[]>;
    };
    expect(manifest.ResultFiles.FAILED).toHaveLength(1);
  });

  it('tolerates failures that reach but do not exceed the percentage', async () => {
    // 4 of 8 fail: exactly 50%.
    const { result } = await run(work, machine({ 'Curate s': distributedMap() }, 'Curate s'), {
      items: items(8),
      params: { toleratedFailurePercentage: 50 },
      handlers: { curate: failOdd },
    });
    expect(result.status).toBe('SUCCEEDED');
  });

  it('fails with States.ExceedToleratedFailureThreshold above the percentage, caught by Catch', async () => {
    const { result, summaries } = await run(
      work,
      machine({ 'Curate s': distributedMap() }, 'Curate s'),
      {
        items: items(8),
        params: { toleratedFailurePercentage: 49 },
        handlers: { curate: failOdd },
      },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('States.ExceedToleratedFailureThreshold');
    // Record failure saw the error at $.failure, as the compiled machines expect.
    const failure = ((summaries[0] as JsonObject).state as JsonObject).failure as JsonObject;
    expect(failure.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect((summaries[0] as JsonObject).status).toBe('FAILED');
  });

  it('fails on the first failure when no tolerance is given', async () => {
    const { result } = await run(
      work,
      machine({ 'Curate s': distributedMap({ tolerance: {} }) }, 'Curate s'),
      { items: items(4), handlers: { curate: failOdd } },
    );
    expect(result.error?.Error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('honours ToleratedFailureCount', async () => {
    const definition = (count: number) =>
      machine(
        { 'Curate s': distributedMap({ tolerance: { ToleratedFailureCount: count } }) },
        'Curate s',
      );
    const tolerated = await run(work, definition(4), {
      items: items(8),
      handlers: { curate: failOdd },
    });
    expect(tolerated.result.status).toBe('SUCCEEDED');
    const exceeded = await run(await makeWorkdir(), definition(3), {
      items: items(8),
      handlers: { curate: failOdd },
    });
    expect(exceeded.result.error?.Error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('runs Distributed Maps inside Parallel branches', async () => {
    const branch = (name: string): JsonObject => ({
      StartAt: name,
      States: {
        [name]: distributedMap({ resultWriter: false, inBranch: { next: `Done ${name}` } }),
        [`Done ${name}`]: { Type: 'Succeed' },
      },
    });
    const parallel = {
      Type: 'Parallel',
      Branches: [branch('Curate a'), branch('Curate b')],
      ResultPath: '$.branches',
      Next: 'Summarize',
    };
    const seen: string[] = [];
    const { result, summaries } = await run(
      work,
      machine({ 'Curate sources': parallel }, 'Curate sources'),
      {
        items: items(2),
        handlers: {
          curate: (event) => (
            seen.push((event as unknown as ShardPayload).task.item.key),
            { ok: 1 }
          ),
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(seen.sort()).toEqual(['shard-0', 'shard-0', 'shard-1', 'shard-1']);
    const branches = ((summaries[0] as JsonObject).state as JsonObject).branches as JsonObject[];
    expect(branches.map((b) => (b.maps as JsonObject).s)).toEqual([
      [{ ok: 1 }, { ok: 1 }],
      [{ ok: 1 }, { ok: 1 }],
    ]);
  });
});
