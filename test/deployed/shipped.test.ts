/**
 * Shipped pipelines that train, as deployed and started with `{}`: sample shards where the
 * console run reads them (`inputs/<source>/`, as `aws s3 cp` puts them), every model a
 * default the stack deploys, the training job's storage requests checked against the job
 * role. Without the job role's models/ grant (or with a model default outside the bucket)
 * the run fails with AccessDenied naming the request.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TRAINING_JOB, type DeployedAccess } from '../../infra/local/deployed/access';
import type { AccessRequest } from '../../infra/local/deployed/authorizer';
import { makeSampleShards } from '../fixtures/sample-shards';
import {
  accessFor,
  firstDenied,
  runAsDeployed,
  statementsOf,
  unneededStatements,
  withoutStatement,
} from './helpers';

/**
 * Statements this pipeline's run does not need, each needed elsewhere: finalize lists only to
 * tell a failed shard's missing stats from a denial (S3's 403 for a key a prefix-conditioned
 * ListBucket may not cover), which pairs-basic's tolerated-failure run exercises. Every other
 * statement of every role is needed.
 */
const GRANTED_UNUSED: Readonly<Record<string, readonly string[]>> = {
  'pairs-connector': ['finalize s3:ListBucket'],
  'pairs-connector-multinode': ['finalize s3:ListBucket'],
  cauldron: ['finalize s3:ListBucket'],
};

describe.each(['pairs-connector', 'pairs-connector-multinode', 'cauldron'])(
  '%s as deployed, console defaults',
  (name) => {
    let access: DeployedAccess;
    let requests: readonly AccessRequest[];
    let run: Awaited<ReturnType<typeof runAsDeployed>>;

    beforeAll(async () => {
      const dir = await mkdtemp(path.join(tmpdir(), `vlmflow-deployed-${name}-`));
      await makeSampleShards(path.join(dir, 'inputs', 'pairs'), {
        shards: 1,
        samplesPerShard: 12,
        seed: 7,
        // Photo-like samples: cauldron's blur filter rejects the smooth default pictures.
        curationCases: true,
      });
      access = accessFor(name, dir);
      run = await runAsDeployed(name, access, {}, name === 'cauldron' ? 'processes' : 'in-process');
      requests = run.allowed;
    }, 600_000);

    it('succeeds: curation, then training on the frozen models the stack deploys', () => {
      expect(run.result.error).toBeUndefined();
      expect(run.result.status).toBe('SUCCEEDED');
    });

    it('says which models are random-weight test models, in the run summary', () => {
      const summary = run.result.output as { randomWeightModels?: Record<string, string> };
      const expected =
        name === 'cauldron'
          ? ['captionModel', 'clipModel', 'textModel', 'visionModel']
          : ['textModel', 'visionModel'];
      expect(Object.keys(summary.randomWeightModels ?? {}).sort()).toEqual(expected);
      expect(summary.randomWeightModels?.textModel).toBe(`${access.bucketFolder}models/tiny-lm`);
    });

    it('needs every statement of every role: without any one, a request the run made is denied', async () => {
      expect(await unneededStatements(access, requests)).toEqual(GRANTED_UNUSED[name]);
    });

    it("reads the frozen models from the bucket as the job role, and needs the role's models/ grant", async () => {
      const jobReads = requests.filter(
        (r) => r.principal === TRAINING_JOB && r.resource.includes('/models/tiny-'),
      );
      expect(jobReads.map((r) => r.action)).toEqual(expect.arrayContaining(['s3:GetObject']));
      const read = statementsOf(access).find(
        (ref) => ref.principal === TRAINING_JOB && ref.actions.includes('s3:GetObject'),
      )!;
      const denied = await firstDenied(withoutStatement(access, read), jobReads);
      expect(denied?.resource).toMatch(new RegExp(`^${access.bucketArn}/models/tiny-`));
    });
  },
);
