/**
 * img2dataset's job inside a run: a URL list of 1,000 rows served from loopback, 10 % failing in
 * ten ways, through pairs-basic with `format: 'urls'` (`vlmflow run --local
 * --allow-private-network`). The first run is killed mid-download; the second, same run id,
 * re-downloads nothing an item already wrote. Every row ends kept or rejected once, with its
 * reason, at each segment and in the summary.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunSummary, ShardStats } from '../../core/contracts';
import { readShard } from '../../lambdas/shards/tar-reader';
import { CLI, ROOT, vlmflow } from '../helpers/cli';
import { closedPort, startImageServer, type ImageServer } from '../download/image-server';
import { writeUrlParquet } from '../fixtures/parquet';

const PIPELINE = path.join(__dirname, 'pairs-urls.pipeline.ts');
const ROWS = 1000;
const PER_ITEM = 100;
/**
 * Row i with i % 10 === 9 fails, the way chosen by its item (i / 100): each item fails one way,
 * so the slow host costs one item its timeouts, not every item.
 */
const FAILURES = [
  ['http_404', () => '/status/404'],
  ['http_403', () => '/status/403'],
  ['http_5xx', () => '/status/503'],
  ['timeout', () => '/slow'],
  ['not_an_image', () => '/html'],
  ['too_many_redirects', () => '/loop'],
  ['too_large', () => '/huge'],
  ['dns', () => 'http://no-such-host.invalid/x.jpg'],
  ['connection', (port: number) => `http://127.0.0.1:${port}/x.jpg`],
  ['bad_url', () => 'ftp://images.example.org/x.jpg'],
] as const;

function expectedFailure(row: number): string | undefined {
  return row % 10 === 9 ? FAILURES[Math.floor(row / PER_ITEM)]![0] : undefined;
}

async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
}

describe('vlmflow run: pairs-basic over a URL list', () => {
  let dir: string;
  let server: ImageServer;
  let killRun: (() => void) | undefined;
  const urls: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-urls-'));
    // The first request of item 5 kills the first run, mid-download.
    server = await startImageServer({
      onRequest: (p) => {
        if (p === '/photo/500.jpg' && killRun) {
          killRun();
          killRun = undefined;
        }
      },
    });
    const dead = await closedPort();
    for (let row = 0; row < ROWS; row++) {
      const failing = row % 10 === 9 ? FAILURES[Math.floor(row / PER_ITEM)]![1](dead) : undefined;
      const ok =
        row % 50 === 3
          ? `/photo/${row}.jpg?noai`
          : row % 50 === 7
            ? `/photo/${row}.jpg?png`
            : row % 50 === 5
              ? `/redirect/2/${row}`
              : `/photo/${row}.jpg`;
      // Each row's URL is its own, so requests and rejects can be told apart by row.
      const url = failing ? `${failing}?r=${row}` : ok;
      urls.push(url.startsWith('/') ? `${server.base}${url}` : url);
    }
    await mkdir(path.join(dir, 'lists'));
    await writeUrlParquet(
      path.join(dir, 'lists', 'part-0.parquet'),
      {
        url: urls,
        caption: urls.map((_, row) => `a small photo of thing number ${row} on a table`),
      },
      250,
    );
  }, 60_000);

  afterAll(async () => {
    await server.close();
  });

  const args = [
    'run',
    PIPELINE,
    '--local',
    '--input',
    '', // set below
    '--workdir',
    '', // set below
    '--run-id',
    'urls',
    '--concurrency',
    '2',
    '--allow-private-network',
    '--param',
    'minSide=32',
    '--json',
  ];
  const runArgs = () => {
    const a = [...args];
    a[4] = path.join(dir, 'lists');
    a[6] = path.join(dir, 'work');
    return a;
  };
  const runRoot = () => path.join(dir, 'work', 'runs', 'pairs-urls', 'urls');

  it('downloads, curates, and resumes after a kill without downloading a written item again', async () => {
    // Run 1, killed by the server at the first request of item 5.
    const child = spawn(CLI, runArgs(), { cwd: ROOT, detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killRun = () => process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const downloaded = new Set(
      [
        ...(await jsonFiles(path.join(runRoot(), 'tmp', 'pairs', '0'))),
        ...(await jsonFiles(path.join(runRoot(), 'stats', 'pairs'))),
      ].map((f) => f.replace(/\.json$/, '')),
    );
    expect(downloaded.size).toBeGreaterThan(0);
    expect(downloaded.has('part-0-00009')).toBe(false);

    // Run 2, same run id: finishes; rows of items downloaded before the kill are not requested.
    server.hits.clear();
    const result = await vlmflow(runArgs());
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    for (const [row, url] of urls.entries()) {
      const item = `part-0-${String(Math.floor(row / PER_ITEM)).padStart(5, '0')}`;
      if (!url.startsWith(server.base)) continue;
      const requested = server.hits.get(url.slice(server.base.length)) ?? 0;
      if (downloaded.has(item)) expect(requested).toBe(0);
      else expect(requested).toBeGreaterThan(0);
    }

    const summary = JSON.parse(result.stdout) as RunSummary;
    const stage = summary.stages.pairs!;
    const rejected = Object.values(stage.rejected).reduce((a, b) => a + b, 0);
    expect(stage.in).toBe(ROWS);
    expect(stage.in).toBe(stage.kept + rejected);
    expect(stage.rejected).toMatchObject(
      Object.fromEntries(FAILURES.map(([reason]) => [`download:${reason}`, 10])),
    );
    expect(stage.rejected['optout:noai']).toBe(20);
    expect(stage.kept).toBeGreaterThan(800);
  }, 240_000);

  it('balances every item at every segment and rejects each failed row once, with its url and reason', async () => {
    const stats = await jsonFiles(path.join(runRoot(), 'stats', 'pairs'));
    expect(stats).toHaveLength(ROWS / PER_ITEM);
    const byUrl = new Map<string, string>();
    const rejectsDir = path.join(runRoot(), 'rejects');
    const shards = (await readdir(rejectsDir, { recursive: true })).filter((f) =>
      f.endsWith('.tar'),
    );
    for (const shard of shards) {
      for await (const record of readShard(createReadStream(path.join(rejectsDir, shard)))) {
        if (record.kind !== 'sample') throw new Error(`unreadable reject in ${shard}`);
        const json = JSON.parse(record.sample.parts.json!.toString()) as {
          url: string | null;
          reject: { op: string; reason: string };
        };
        if (json.reject.op !== 'download') continue;
        expect(byUrl.has(json.url!)).toBe(false);
        byUrl.set(json.url!, json.reject.reason);
      }
    }
    for (const [row, url] of urls.entries()) expect(byUrl.get(url)).toBe(expectedFailure(row));
    for (const file of stats) {
      const s = JSON.parse(
        await readFile(path.join(runRoot(), 'stats', 'pairs', file), 'utf8'),
      ) as ShardStats;
      const sum = Object.values(s.rejected).reduce((a, b) => a + b, 0);
      expect(s.in).toBe(s.kept + sum);
      expect(s.in).toBe(PER_ITEM);
    }
  });
});
