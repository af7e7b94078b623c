/**
 * Whether AWS would let a principal of the deployed stack make a request: the role's identity
 * policies and the resource's policy evaluated by @cloud-copilot/iam-simulate (IAM's evaluation
 * logic, conditions included), with the request context AWS builds for such a call. A denial
 * becomes the error the AWS SDK raises, with AWS's message naming principal, action and resource.
 */
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

export type RequestListener = (request: AccessRequest, allowed: boolean) => void;
let listener: RequestListener | undefined;

/** Sees every request decided in this process (tests: which statement grants what). */
export function onAccessRequest(next: RequestListener | undefined): void {
  listener = next;
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
  // Loaded on the first request, so only as-deployed runs load the evaluator (AGPL-3.0).
  const { runSimulation } = await import('@cloud-copilot/iam-simulate');
  const result = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (result.resultType === 'error')
    throw new Error(
      `cannot evaluate ${request.action} on ${request.resource}: ${result.errors.message}`,
    );
  const allowed = result.overallResult === 'Allowed';
  listener?.(request, allowed);
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
