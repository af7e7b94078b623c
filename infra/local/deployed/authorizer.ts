/**
 * Whether AWS would let a principal of the deployed stack make a request: the role's identity
 * policies and the resource's policy evaluated by @cloud-copilot/iam-simulate (IAM's evaluation
 * logic, conditions included), with the request context AWS builds for such a call. A denial
 * becomes the error the AWS SDK raises, with AWS's message naming principal, action and resource.
 */
import { appendFileSync } from 'node:fs';
import type { Simulation } from '@cloud-copilot/iam-simulate';
import type { DeployedAccess, PrincipalName } from './access';

export interface AccessRequest {
  readonly principal: PrincipalName;
  readonly action: string;
  readonly resource: string;
  /** Request-specific condition keys (e.g. `s3:prefix`); the global ones are added here. */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** The SDK's AccessDenied (S3) / AccessDeniedException (other services), status 403. */
export class AccessDeniedError extends Error {
  readonly $metadata = { httpStatusCode: 403 } as const;
  readonly $fault = 'client';
  readonly Code: string;
  constructor(
    readonly request: AccessRequest,
    message: string,
    service: string,
  ) {
    super(message);
    this.name = service === 's3' ? 'AccessDenied' : 'AccessDeniedException';
    this.Code = this.name;
  }
}

/**
 * Set to a file path, every request decided in this process and in the processes it starts
 * (shard workers inherit it; the training job's are decided here) is appended to it as a JSON
 * line `{principal, action, resource, context, allowed}`: what each role of a pipeline used.
 */
export const ACCESS_LOG_ENV = 'VLMFLOW_ACCESS_LOG';

export interface LoggedRequest extends AccessRequest {
  readonly allowed: boolean;
}

function logDecision(request: AccessRequest, allowed: boolean): void {
  const file = process.env[ACCESS_LOG_ENV];
  // One short line per O_APPEND write: lines from several processes do not interleave.
  if (file) appendFileSync(file, `${JSON.stringify({ ...request, allowed })}\n`);
}

function serviceOf(action: string): string {
  return action.split(':')[0] ?? '';
}

/** The condition keys AWS sets on every signed request of an assumed role over HTTPS. */
function globalContext(access: DeployedAccess, principal: PrincipalName) {
  const role = access.principals[principal];
  return {
    'aws:SecureTransport': 'true',
    'aws:PrincipalArn': role?.roleArn ?? '',
    'aws:PrincipalAccount': access.deployment.account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:RequestedRegion': access.deployment.region,
    'aws:CurrentTime': new Date().toISOString(),
    'aws:EpochTime': String(Math.floor(Date.now() / 1000)),
  };
}

type Evaluator = typeof import('@cloud-copilot/iam-simulate');

/** What `--as-deployed` needs installed, and why vlmflow does not install it itself. */
export const EVALUATOR_MISSING =
  '--as-deployed evaluates IAM policies with @cloud-copilot/iam-simulate, which is AGPL-3.0 and ' +
  'so not a dependency of vlmflow (Apache-2.0): install it beside vlmflow to run as deployed ' +
  '(npm install --save-dev @cloud-copilot/iam-simulate); docs/deploy.md, "The IAM evaluator\'s licence"';

/**
 * The IAM evaluator, imported on first use (a devDependency: only as-deployed runs need it;
 * the module system caches it). `importer` stands for a project that did not install it in tests.
 */
export async function loadEvaluator(
  importer: () => Promise<Evaluator> = () => import('@cloud-copilot/iam-simulate'),
): Promise<Evaluator> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND')
      throw new Error(EVALUATOR_MISSING, { cause: error });
    throw error;
  }
}

/** True when allowed; never throws for a denial. */
export async function isAllowed(access: DeployedAccess, request: AccessRequest): Promise<boolean> {
  const role = access.principals[request.principal];
  if (!role) throw new Error(`the deployed stack has no principal "${request.principal}"`);
  const s3Resource = request.resource.startsWith(access.bucketArn);
  const simulation: Simulation = {
    request: {
      principal: role.sessionArn,
      action: request.action,
      resource: { resource: request.resource, accountId: access.deployment.account },
      contextVariables: {
        ...globalContext(access, request.principal),
        ...(request.context as Record<string, string | string[]> | undefined),
      },
    },
    identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(s3Resource && access.bucketPolicy ? { resourcePolicy: access.bucketPolicy } : {}),
  };
  const { runSimulation } = await loadEvaluator();
  const result = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (result.resultType === 'error')
    throw new Error(
      `cannot evaluate ${request.action} on ${request.resource}: ${result.errors.message}`,
    );
  const allowed = result.overallResult === 'Allowed';
  logDecision(request, allowed);
  return allowed;
}

/** Throws the SDK's AccessDenied error unless the request is allowed. */
export async function authorize(access: DeployedAccess, request: AccessRequest): Promise<void> {
  if (await isAllowed(access, request)) return;
  throw accessDenied(access, request);
}

export function accessDenied(access: DeployedAccess, request: AccessRequest): AccessDeniedError {
  const role = access.principals[request.principal];
  const service = serviceOf(request.action);
  return new AccessDeniedError(
    request,
    `User: ${role?.sessionArn} is not authorized to perform: ${request.action} on resource: ` +
      `"${request.resource}" because no identity-based policy allows the ${request.action} action`,
    service,
  );
}
