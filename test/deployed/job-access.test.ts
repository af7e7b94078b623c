/**
 * The training job's storage requests as deployed: the Python job (resampler/storage.py) asks
 * the runner's access server, which answers with pairs-connector's synthesized job role. A
 * missing key is answered as S3 answers it: 403 to a role that may not list the key, so the
 * job's reads fail with AccessDenied (not "not found"), and its existence probes list the
 * exact key before calling it absent.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TRAINING_JOB, type DeployedAccess } from '../../infra/local/deployed/access';
import { ACCESS_CHECK_ENV, startAccessServer } from '../../infra/local/deployed/access-server';
import { accessFor, statementsOf, withoutStatement } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV = path.join(ROOT, '.vlmflow', 'venv', 'bin', 'python');
const PYTHON = process.env.VLMFLOW_PYTHON ?? (existsSync(VENV) ? VENV : 'python3');

/** Each line: `exists <uri>` or `read <uri>`; prints one JSON answer per line. */
const PROBE = `
import json, sys
from resampler import storage
for line in sys.stdin.read().splitlines():
    op, uri = line.split(" ", 1)
    try:
        value = storage.exists(uri) if op == "exists" else len(storage.read_bytes(uri))
        print(json.dumps({"value": value}))
    except Exception as e:
        print(json.dumps({"error": type(e).__name__, "message": str(e)}))
`;

interface Answer {
  readonly value?: unknown;
  readonly error?: string;
  readonly message?: string;
}

async function asJob(access: DeployedAccess, lines: readonly string[]): Promise<Answer[]> {
  const server = await startAccessServer(access);
  try {
    const child = promisify(execFile)(PYTHON, ['-c', PROBE], {
      cwd: path.join(ROOT, 'gpu-jobs', 'resampler'),
      env: { ...process.env, [ACCESS_CHECK_ENV]: server.url },
    });
    child.child.stdin?.end(lines.join('\n'));
    const { stdout } = await child;
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Answer);
  } finally {
    await server.close();
  }
}

describe('the training job under its role, as deployed', () => {
  let dir: string;
  let access: DeployedAccess;
  const uri = (key: string) => `file://${dir}/${key}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-job-access-'));
    await mkdir(path.join(dir, 'runs', 'p', 'r'), { recursive: true });
    await writeFile(path.join(dir, 'runs', 'p', 'r', 'present.json'), '{}');
    await mkdir(path.join(dir, 'inputs', 'pairs'), { recursive: true });
    await writeFile(path.join(dir, 'inputs', 'pairs', 'a.tar'), 'x');
    access = accessFor('pairs-connector', dir);
  }, 120_000);

  it('gets 403 on a missing key it may not list, and finds it absent by listing the key', async () => {
    const [present, read, exists, models, other] = await asJob(access, [
      `read ${uri('runs/p/r/present.json')}`,
      `read ${uri('runs/p/r/missing.json')}`,
      `exists ${uri('runs/p/r/missing.json')}`,
      `exists ${uri('models/tiny-lm/missing.json')}`,
      `read ${uri('inputs/pairs/a.tar')}`,
    ]);
    expect(present).toEqual({ value: 2 });
    // The job role's ListBucket holds only with an s3:prefix: S3's 403, not a 404.
    expect(read).toMatchObject({
      error: 'AccessDenied',
      message: expect.stringContaining(
        `not authorized to perform: s3:GetObject on resource: "${access.bucketArn}/runs/p/r/missing.json"`,
      ),
    });
    expect(exists).toEqual({ value: false });
    expect(models).toEqual({ value: false });
    // Outside what the job role reads: denied whether the object exists or not.
    expect(other).toMatchObject({ error: 'AccessDenied' });
  }, 60_000);

  it('is told "not found" (404) where the ListBucket grant is read as covering the key', async () => {
    const lenient = { ...access, missingKeys: 'prefix-is-key' as const };
    const [read] = await asJob(lenient, [`read ${uri('runs/p/r/missing.json')}`]);
    expect(read).toMatchObject({
      error: 'StorageError',
      message: expect.stringContaining('No such file'),
    });
  }, 60_000);

  it("fails its existence probe with AccessDenied without the role's ListBucket", async () => {
    const listing = statementsOf(access).find(
      (ref) => ref.principal === TRAINING_JOB && ref.actions.includes('s3:ListBucket'),
    )!;
    const [exists] = await asJob(withoutStatement(access, listing), [
      `exists ${uri('runs/p/r/missing.json')}`,
    ]);
    expect(exists).toMatchObject({
      error: 'AccessDenied',
      message: expect.stringContaining('s3:GetObject'),
    });
  }, 60_000);
});
