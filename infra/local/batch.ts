/**
 * `arn:aws:states:::batch:submitJob.sync` run locally: the container's command runs as a
 * subprocess (same Python entry point as in the image), its output goes to a log file, and
 * the Task gets what Step Functions returns for a finished job (DescribeJobs' job detail), or
 * fails with States.TaskFailed and that detail as the Cause, as on AWS. A multi-node parallel
 * job (NodeOverrides) runs one subprocess per node, with the environment Batch gives each node
 * (node index, node count, the main node's address as 127.0.0.1) and a free rendezvous port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { isJsonObject, toJson, type JsonObject } from './asl';
import { TaskError } from './errors';
import type { TaskHandler } from './lambda-invoke';
import { ensurePython, isPythonCommand } from './python-env';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './substitute';

/** The resampler job's directory: the container's working directory. */
export const DEFAULT_JOB_DIR = path.resolve(__dirname, '../../gpu-jobs/resampler');

export interface BatchJobStarted {
  readonly jobId: string;
  readonly jobName: string;
  readonly command: readonly string[];
  readonly logFile: string;
}

export interface BatchOptions {
  /** Working directory of the command. @default DEFAULT_JOB_DIR */
  readonly workingDir?: string;
  /** Folder for `<JobName>-<JobId>.log`; a function so it can follow the run folder once known. */
  readonly logDir: () => string;
  /** Kill the job after this many seconds (the Task's TimeoutSeconds), by Task state name. */
  readonly timeoutSeconds?: (stateName: string) => number | undefined;
  readonly onStart?: (job: BatchJobStarted) => void;
  /**
   * The interpreter that a command starting with `python` runs under (the image's Python on
   * AWS). @default ensurePython: the project's own venv, created on first use
   */
  readonly resolvePython?: () => Promise<string>;
  /** Set for every job on top of its own (as deployed: where its storage requests are checked). */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface BatchRunner {
  handlerFor(stateName: string): TaskHandler;
  /** Kills every job still running (the execution ended or was aborted). */
  killAll(): void;
}

function commandOf(overrides: JsonObject): string[] {
  const command = overrides.Command;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    !command.every((part) => typeof part === 'string')
  ) {
    throw new TaskError(
      'States.Runtime',
      'Batch job needs ContainerOverrides.Command as a non-empty array of strings',
    );
  }
  return command as string[];
}

/** NodeOverrides' node count and the container overrides of its "0:" range, if it has them. */
function nodeOverridesOf(params: JsonObject): { count: number; overrides: JsonObject } | undefined {
  const nodes = params.NodeOverrides;
  if (!isJsonObject(nodes)) return undefined;
  const count = nodes.NumNodes;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new TaskError(
      'States.Runtime',
      `Batch job NodeOverrides.NumNodes must be a positive integer, got ${JSON.stringify(count)}`,
    );
  }
  const ranges = Array.isArray(nodes.NodePropertyOverrides) ? nodes.NodePropertyOverrides : [];
  const all = ranges.find((r) => isJsonObject(r) && r.TargetNodes === '0:');
  const overrides =
    isJsonObject(all) && isJsonObject(all.ContainerOverrides) ? all.ContainerOverrides : {};
  return { count, overrides };
}

/** What Batch sets on node `index` of a multi-node job, for one machine. */
function nodeEnvironment(index: number, count: number, port: number): Record<string, string> {
  return {
    AWS_BATCH_JOB_NUM_NODES: String(count),
    AWS_BATCH_JOB_NODE_INDEX: String(index),
    AWS_BATCH_JOB_MAIN_NODE_INDEX: '0',
    // Batch gives the main node's address to the other nodes only.
    ...(index > 0 ? { AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS: '127.0.0.1' } : {}),
    MASTER_PORT: String(port),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function environmentOf(overrides: JsonObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of Array.isArray(overrides.Environment) ? overrides.Environment : []) {
    if (isJsonObject(entry) && typeof entry.Name === 'string')
      env[entry.Name] = String(entry.Value ?? '');
  }
  return env;
}

export function createBatchRunner(options: BatchOptions): BatchRunner {
  const running = new Set<ChildProcess>();

  const handlerFor =
    (stateName: string): TaskHandler =>
    async (input) => {
      const params = isJsonObject(input) ? input : {};
      const multiNode = nodeOverridesOf(params);
      const overrides =
        multiNode?.overrides ??
        (isJsonObject(params.ContainerOverrides) ? params.ContainerOverrides : {});
      const command = commandOf(overrides);
      const jobName = typeof params.JobName === 'string' ? params.JobName : 'job';
      const jobId = randomUUID();
      const logDir = options.logDir();
      mkdirSync(logDir, { recursive: true });
      const logFile = path.join(logDir, `${jobName.replace(/[^A-Za-z0-9._-]/g, '_')}-${jobId}.log`);
      options.onStart?.({ jobId, jobName, command, logFile });

      const createdAt = Date.now();
      const log = createWriteStream(logFile);
      let executable = command[0]!;
      if (isPythonCommand(executable)) {
        try {
          executable = await (options.resolvePython ?? ensurePython)();
        } catch (e) {
          await new Promise<void>((resolve) => log.end(`${(e as Error).message}\n`, resolve));
          throw new TaskError(
            'States.TaskFailed',
            JSON.stringify({
              JobName: jobName,
              JobId: jobId,
              Status: 'FAILED',
              StatusReason: `no Python environment for the job: ${(e as Error).message}`,
              Container: { Command: command, LogStreamName: logFile },
            }),
          );
        }
      }
      const port = multiNode ? await freePort() : 0;
      const children = Array.from({ length: multiNode?.count ?? 1 }, (_, node) => {
        const child = spawn(executable, command.slice(1), {
          cwd: options.workingDir ?? DEFAULT_JOB_DIR,
          env: {
            ...process.env,
            ...environmentOf(overrides),
            ...(multiNode ? nodeEnvironment(node, multiNode.count, port) : {}),
            VLMFLOW_LOCAL: '1',
            AWS_BATCH_JOB_ID: multiNode ? `${jobId}#${node}` : jobId,
            ...options.environment,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        running.add(child);
        child.stdout?.pipe(log, { end: false });
        child.stderr?.pipe(log, { end: false });
        return child;
      });
      const timeout = options.timeoutSeconds?.(stateName);
      let timedOut = false;
      const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
      const timer =
        timeout === undefined
          ? undefined
          : setTimeout(() => ((timedOut = true), killAll()), timeout * 1000);

      type Exit = { code: number | null; signal: NodeJS.Signals | null; spawnError?: Error };
      const exits = await Promise.all(
        children.map(
          (child) =>
            new Promise<Exit>((resolve) => {
              child.once('error', (spawnError) =>
                resolve({ code: null, signal: null, spawnError }),
              );
              child.once('close', (code, signal) => {
                // A node that fails leaves its peers waiting at the rendezvous: stop them.
                if (code !== 0) killAll();
                resolve({ code, signal });
              });
            }),
        ),
      );
      clearTimeout(timer);
      children.forEach((c) => running.delete(c));
      await new Promise<void>((resolve) => log.end(resolve));
      // The node that failed first-hand (an exit code), not a peer stopped after it (a signal).
      const exit =
        exits.find((e) => typeof e.code === 'number' && e.code !== 0) ??
        exits.find((e) => e.code !== 0) ??
        exits[0]!;

      const succeeded = exit.code === 0;
      const reason = exit.spawnError
        ? `cannot start ${command[0]}: ${exit.spawnError.message}`
        : timedOut
          ? `Job attempt duration exceeded timeout (${timeout} s)`
          : succeeded
            ? 'Essential container in task exited'
            : `Essential container in task exited (exit code ${exit.code ?? `signal ${exit.signal}`}); log: ${logFile}`;
      const detail = toJson({
        JobArn: `arn:aws:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job/${jobId}`,
        JobId: jobId,
        JobName: jobName,
        JobQueue: params.JobQueue,
        JobDefinition: params.JobDefinition,
        Status: succeeded ? 'SUCCEEDED' : 'FAILED',
        StatusReason: reason,
        CreatedAt: createdAt,
        StartedAt: createdAt,
        StoppedAt: Date.now(),
        Container: {
          Command: command,
          ExitCode: exit.code,
          Reason: reason,
          LogStreamName: logFile,
        },
        Attempts: [{ Container: { ExitCode: exit.code, Reason: reason, LogStreamName: logFile } }],
      });
      if (timedOut) throw new TaskError('States.Timeout', JSON.stringify(detail));
      if (!succeeded) throw new TaskError('States.TaskFailed', JSON.stringify(detail));
      return detail;
    };

  return {
    handlerFor,
    killAll: () => {
      for (const child of running) child.kill('SIGKILL');
      running.clear();
    },
  };
}
