/**
 * Where the training job (a Python subprocess) asks whether its role may make a storage
 * request: a loopback HTTP endpoint answering `{action, uri}` with the decision the job role's
 * policies give (resampler/access_check.py asks before each request). Node's own http: one
 * POST route needs no framework.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRAINING_JOB, type DeployedAccess } from './access';
import { accessDenied, isAllowed } from './authorizer';
import { NotOnAwsError, locate, missingKeyIsListable } from './authorizing-storage';

export const ACCESS_CHECK_ENV = 'VLMFLOW_ACCESS_CHECK_URL';

export interface AccessServer {
  readonly url: string;
  close(): Promise<void>;
}

interface Question {
  action?: unknown;
  uri?: unknown;
  missing?: unknown;
}

async function bodyOf(request: IncomingMessage): Promise<Question> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Question;
}

/**
 * The answer to `{action, uri}`: may the job role make the request. With `missing`, the key is
 * absent and the question is S3's answer to a GetObject on it: allowed = 404, denied = 403.
 */
export async function decide(
  access: DeployedAccess,
  action: string,
  uri: string,
  missing = false,
): Promise<{ allowed: boolean; message?: string }> {
  const caller = { access, principal: TRAINING_JOB };
  let location;
  try {
    location = locate(caller, uri);
  } catch (error) {
    if (error instanceof NotOnAwsError) return { allowed: false, message: error.message };
    throw error;
  }
  if (missing) {
    if (await missingKeyIsListable(caller, uri)) return { allowed: true };
    const request = { principal: TRAINING_JOB, action, resource: location.objectArn };
    return { allowed: false, message: accessDenied(access, request).message };
  }
  const request =
    action === 's3:ListBucket'
      ? {
          principal: TRAINING_JOB,
          action,
          resource: location.bucketArn,
          context: { 's3:prefix': location.key },
        }
      : { principal: TRAINING_JOB, action, resource: location.objectArn };
  if (await isAllowed(access, request)) return { allowed: true };
  return { allowed: false, message: accessDenied(access, request).message };
}

export async function startAccessServer(access: DeployedAccess): Promise<AccessServer> {
  const server = createServer((request, response) => {
    bodyOf(request)
      .then(async ({ action, uri, missing }) => {
        if (typeof action !== 'string' || typeof uri !== 'string')
          throw new Error('expected {"action": "...", "uri": "...", "missing"?: true}');
        return decide(access, action, uri, missing === true);
      })
      .then(
        (answer) =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(answer)),
        (error: unknown) => response.writeHead(400).end(String(error)),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/authorize`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
