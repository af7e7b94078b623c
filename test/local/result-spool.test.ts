/**
 * The ResultWriter's spool: results are written as children end and not kept in memory, the
 * result files come out in item order whatever order the children ended in, split into
 * `<STATUS>_n.json` files of bounded size, and map-failures.ts reads every FAILED file.
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonObject, JsonValue } from '../../infra/local/asl';
import { createDistributedMapHandler } from '../../infra/local/distributed-map';
import { ResultSpool, type ChildExecution } from '../../infra/local/result-writer';
import { readMapFailures } from '../../lambdas/handlers/map-failures';
import { toPrefixLocation } from '../../core/uri';
import { makeWorkdir, removeWorkdirs } from './asl-fixtures';

const MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:m/Map';
const RUN_ARN = 'arn:aws:states:local:000000000000:mapRun:m/Map:run-1';

/** Item i: shard-i; every third one failed. Dates fixed so that files compare byte for byte. */
function child(index: number): ChildExecution {
  const common = {
    index,
    name: `child-${index}`,
    executionArn: `arn:aws:states:local:000000000000:execution:m/Map:child-${index}`,
    input: { task: { item: { key: `shard-${index}` }, index } },
    startDate: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
    stopDate: new Date(Date.UTC(2024, 0, 1, 0, 1, index)),
  };
  return index % 3 === 2
    ? { ...common, status: 'FAILED', error: { Error: 'ShardReadError', Cause: `bad ${index}` } }
    : { ...common, status: 'SUCCEEDED', output: { shard: `shard-${index}`, kept: index } };
}

async function spoolResults(order: readonly number[], folder: string, maxFileBytes?: number) {
  const spool = await ResultSpool.open(order.length, MACHINE_ARN);
  try {
    await Promise.all(order.map((index) => spool.add(child(index))));
    expect(spool.entriesInMemory).toBe(0);
    return await spool.writeResults(
      toPrefixLocation(folder),
      RUN_ARN,
      'run-1',
      ...(maxFileBytes === undefined ? [] : [maxFileBytes]),
    );
  } finally {
    await spool.close();
  }
}

interface Manifest {
  readonly ResultFiles: Record<string, { Key: string; Size: number }[]>;
}
const readJson = async <T>(file: string): Promise<T> =>
  JSON.parse(await readFile(file, 'utf8')) as T;

afterAll(removeWorkdirs);

describe('ResultSpool', () => {
  const ITEMS = 30;
  const inOrder = Array.from({ length: ITEMS }, (_, i) => i);
  // Children end in another order than they started.
  const shuffled = inOrder.map((i) => (i * 7) % ITEMS);

  it('writes entries in item order, byte-identical whatever order the children ended in', async () => {
    const work = await makeWorkdir();
    await spoolResults(inOrder, path.join(work.dir, 'a'));
    await spoolResults(shuffled, path.join(work.dir, 'b'));
    const files = async (name: string) =>
      (await readdir(path.join(work.dir, name, 'run-1'))).sort();
    expect(await files('a')).toEqual(['FAILED_0.json', 'SUCCEEDED_0.json', 'manifest.json']);
    for (const file of ['FAILED_0.json', 'SUCCEEDED_0.json']) {
      const a = await readFile(path.join(work.dir, 'a', 'run-1', file));
      expect(a.equals(await readFile(path.join(work.dir, 'b', 'run-1', file)))).toBe(true);
    }
    const succeeded = await readJson<JsonObject[]>(
      path.join(work.dir, 'b', 'run-1', 'SUCCEEDED_0.json'),
    );
    expect(succeeded.map((e) => e.Name)).toEqual(
      inOrder.filter((i) => i % 3 !== 2).map((i) => `child-${i}`),
    );
    expect(succeeded[0]).toEqual({
      ExecutionArn: 'arn:aws:states:local:000000000000:execution:m/Map:child-0',
      Input: JSON.stringify(child(0).input),
      InputDetails: { Included: true },
      Name: 'child-0',
      Output: JSON.stringify({ shard: 'shard-0', kept: 0 }),
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      StartDate: '2024-01-01T00:00:00.000Z',
      StateMachineArn: MACHINE_ARN,
      Status: 'SUCCEEDED',
      StopDate: '2024-01-01T00:01:00.000Z',
    });
  });

  it('splits a status into numbered files of bounded size, listed in manifest.json in order', async () => {
    const work = await makeWorkdir();
    const one = await makeWorkdir();
    const maxFileBytes = 2000;
    const output = await spoolResults(shuffled, path.join(work.dir, 'r'), maxFileBytes);
    await spoolResults(inOrder, path.join(one.dir, 'r'));
    const folder = path.join(work.dir, 'r', 'run-1');
    expect(output).toEqual({
      MapRunArn: RUN_ARN,
      ResultWriterDetails: { Bucket: 'vlmflow-local-fs', Key: path.join(folder, 'manifest.json') },
    });
    const manifest = await readJson<Manifest>(path.join(folder, 'manifest.json'));
    expect(manifest.ResultFiles.PENDING).toEqual([]);
    for (const status of ['SUCCEEDED', 'FAILED']) {
      const listed = manifest.ResultFiles[status]!;
      expect(listed.length).toBeGreaterThan(1);
      expect(listed.map((f) => path.basename(f.Key))).toEqual(
        listed.map((_, n) => `${status}_${n}.json`),
      );
      const parts: JsonObject[][] = [];
      for (const file of listed) {
        const bytes = await readFile(file.Key);
        expect(file.Size).toBe(bytes.length);
        const entries = JSON.parse(bytes.toString('utf8')) as JsonObject[];
        // Over the bound only when a single entry is bigger than it.
        if (entries.length > 1) expect(bytes.length).toBeLessThanOrEqual(maxFileBytes);
        parts.push(entries);
      }
      // Together they are the one unsplit file.
      expect(parts.flat()).toEqual(
        await readJson<JsonObject[]>(path.join(one.dir, 'r', 'run-1', `${status}_0.json`)),
      );
    }
  });

  it('lets map-failures name the failed shards from every FAILED file', async () => {
    const work = await makeWorkdir();
    const output = await spoolResults(shuffled, path.join(work.dir, 'r'), 1500);
    const failures = await readMapFailures(output);
    const failedIndices = Array.from({ length: ITEMS }, (_, i) => i).filter((i) => i % 3 === 2);
    expect([...failures.keys()].sort()).toEqual(failedIndices.map((i) => `shard-${i}`).sort());
    expect(failures.get('shard-5')).toMatchObject({ error: 'ShardReadError', cause: 'bad 5' });
  });
});

describe('Distributed Map handler memory', () => {
  const ITEMS = 400;
  const CONCURRENCY = 4;

  async function runMap(resultWriter: boolean) {
    const work = await makeWorkdir();
    const recorded: number[] = [];
    const handler = createDistributedMapHandler({
      stateName: 'Map',
      mapState: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Echo',
          States: { Echo: { Type: 'Pass', End: true } },
        },
        ...(resultWriter
          ? {
              ResultWriter: {
                Resource: 'arn:aws:states:::s3:putObject',
                Parameters: toPrefixLocation(path.join(work.dir, 'results')),
              },
            }
          : {}),
        End: true,
      },
      context: { StateMachine: { Name: 'm' }, Execution: { Name: 'e' } },
      childRunOptions: () => ({}),
      concurrencyCap: CONCURRENCY,
      onChildRecorded: (held) => recorded.push(held),
    });
    const items = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);
    const output = await handler({ items });
    return { output, recorded };
  }

  it('holds no more child results than items in flight when a ResultWriter is given', async () => {
    const { output, recorded } = await runMap(true);
    expect(recorded).toHaveLength(ITEMS);
    expect(Math.max(...recorded)).toBeLessThan(CONCURRENCY);
    const details = (output as JsonObject).ResultWriterDetails as JsonObject;
    const manifest = await readJson<Manifest>(details.Key as string);
    const entries = await readJson<JsonObject[]>(manifest.ResultFiles.SUCCEEDED![0]!.Key);
    expect(entries.map((e) => JSON.parse(e.Output as string) as JsonValue)).toEqual(
      Array.from({ length: ITEMS }, (_, i) => ({ value: `item-${i}`, index: i })),
    );
  });

  it('keeps every output without a ResultWriter, since they are the state output', async () => {
    const { output, recorded } = await runMap(false);
    expect(recorded.at(-1)).toBe(ITEMS);
    expect(output).toEqual(
      Array.from({ length: ITEMS }, (_, i) => ({ value: `item-${i}`, index: i })),
    );
  });
});
