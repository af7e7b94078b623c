/** `vlmflow status <run folder>`: shard progress and counts read from the run layout. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { statusAction, type ActionIo } from '../../infra/cli/aws/actions';
import { markRunning } from '../../infra/cli/local-runs';

const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-local-status-'));
const root = path.join(workdir, 'runs', 'p', 'r');
afterAll(() => fs.rmSync(workdir, { recursive: true, force: true }));

function write(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), JSON.stringify(value));
}

const stats = (shard: string, inCount: number, kept: number, rejected: Record<string, number>) => ({
  stage: 'pairs',
  shard,
  input: `file:///in/${shard}.tar`,
  in: inCount,
  kept,
  rejected,
});

test('a running local run, then the finished one', async () => {
  write(
    'manifests/pairs.all.json',
    ['a', 'b', 'c', 'd'].map((k) => ({ key: k, uri: `file:///in/${k}.tar` })),
  );
  write('stats/pairs/a.json', stats('a', 10, 7, { 'image.size:too_small': 3 }));
  write('stats/pairs/b.json', stats('b', 10, 9, { 'tar:truncated': 1 }));
  let output = '';
  const io: ActionIo = {
    client: () => {
      throw new Error('no AWS for a local run');
    },
    write: (text) => void (output += text),
    isTTY: true,
  };
  const progress = 'pairs [############............] 2/4 shards done; in 20, kept 16, rejected 4';
  // No live `run` process and no summary: the run was killed or interrupted.
  await statusAction(root, {}, io);
  expect(output).toBe(`${root}: STOPPED\n  ${progress}\n`);
  const unmark = markRunning(root);
  output = '';
  // By its id under the workdir, while this process runs it.
  await statusAction('r', { workdir }, io);
  expect(output).toBe(`${root}: RUNNING\n  ${progress}\n`);
  unmark();
  write('summary.json', {
    runId: 'r',
    pipeline: 'p',
    status: 'SUCCEEDED',
    stages: {},
    outputs: {},
    failedShards: {},
  });
  output = '';
  await statusAction(root, { json: true }, io);
  expect(JSON.parse(output)).toMatchObject({
    status: 'SUCCEEDED',
    stages: [{ stage: 'pairs', total: 4, done: 2, in: 20, kept: 16, rejected: 4 }],
  });
});
