/**
 * onnxruntime-node sessions: one per model file per process (a warm Lambda container keeps
 * it for every shard it runs). CPU only, sequential execution with a fixed number of
 * intra-op threads: the same inputs give the same outputs on every run.
 *
 * onnxruntime-node (a native binding) is loaded on first use, not on import: the curate
 * function registers every operator but never runs a model, and need not ship the binary.
 */
import * as os from 'node:os';
import type * as OrtModule from 'onnxruntime-node';
import { modelFilePath, type ModelFolder } from './cache';
import { ModelError } from './manifest';

export const MODEL_THREADS_ENV = 'VLMFLOW_MODEL_THREADS';

/** Intra-op threads: VLMFLOW_MODEL_THREADS, else every core the function has. */
export function modelThreads(env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env[MODEL_THREADS_ENV]);
  return Number.isInteger(set) && set > 0 ? set : os.availableParallelism();
}

export type Ort = typeof OrtModule;
export type InferenceSession = OrtModule.InferenceSession;
export type Tensor = OrtModule.Tensor;

let ortModule: Promise<Ort> | undefined;

/** The onnxruntime-node module, loaded once. */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

const sessions = new Map<string, Promise<InferenceSession>>();

/** The session for a listed .onnx file of the folder; a graph that will not load names the file. */
export function sessionFor(
  folder: ModelFolder,
  file: string,
  threads = modelThreads(),
): Promise<InferenceSession> {
  const filePath = modelFilePath(folder, file);
  const key = `${filePath}\0${threads}`;
  let session = sessions.get(key);
  if (!session) {
    session = loadOrt()
      .then((ort) =>
        ort.InferenceSession.create(filePath, {
          executionProviders: ['cpu'],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        }),
      )
      .catch((error: unknown) => {
        sessions.delete(key);
        throw new ModelError(
          `model file ${file} of ${folder.uri} is not a loadable ONNX graph: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    sessions.set(key, session);
  }
  return session;
}

/** Throws unless the session has the named inputs and outputs (a wrong export names the file). */
export function assertSignature(
  session: InferenceSession,
  folder: ModelFolder,
  file: string,
  inputs: readonly string[],
  outputs: readonly string[],
): void {
  const missing = [
    ...inputs.filter((name) => !session.inputNames.includes(name)).map((n) => `input ${n}`),
    ...outputs.filter((name) => !session.outputNames.includes(name)).map((n) => `output ${n}`),
  ];
  if (missing.length > 0)
    throw new ModelError(
      `model file ${file} of ${folder.uri} lacks ${missing.join(', ')} (has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
    );
}

/** Releases every session (tests, benchmarks). */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.release()));
}
