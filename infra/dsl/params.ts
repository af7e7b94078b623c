import type { ParamRef } from '../../core/ops/operator';
import type { ParamSpec } from '../../core/ir';

/** A parameter declaration; `T` is the type its references carry into operator arguments. */
export interface ParamDef<T> {
  readonly spec: ParamSpec;
  readonly __type?: T;
}

interface NumberOptions {
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
}

const def = <T>(spec: ParamSpec): ParamDef<T> => ({ spec });

export const param = {
  integer: (o: NumberOptions): ParamDef<number> => def({ type: 'integer', ...o }),
  number: (o: NumberOptions): ParamDef<number> => def({ type: 'number', ...o }),
  boolean: (o: { readonly default: boolean; readonly description?: string }): ParamDef<boolean> =>
    def({ type: 'boolean', ...o }),
  string: <const E extends string = string>(o: {
    readonly default: E;
    readonly enum?: readonly E[];
    readonly description?: string;
  }): ParamDef<E> => def({ type: 'string', ...o }),
  /**
   * A storage location: `s3://…`, `file://…`, or a bare key under the data root (where the
   * stack deploys a default such as `models/<name>`, see infra/cdk/model-assets.ts).
   */
  location: (o: { readonly default: string; readonly description?: string }): ParamDef<string> =>
    def({ type: 'string', location: true, ...o }),
};

export type ParamTypes<D> = { [K in keyof D]: D[K] extends ParamDef<infer T> ? T : never };
export type ParamRefs<P> = { readonly [K in keyof P]: ParamRef<P[K]> };

export function refsOf<P>(names: readonly string[]): ParamRefs<P> {
  return Object.fromEntries(names.map((name) => [name, { $param: name }])) as ParamRefs<P>;
}
