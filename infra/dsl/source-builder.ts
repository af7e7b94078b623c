import type { z } from 'zod';
import type { ArgsOf, OperatorDeclaration, OperatorUse } from '../../lambdas/ops/operator';
import type { SourceNode } from './ir';

interface SourceState {
  readonly node: SourceNode;
  readonly operators: readonly OperatorDeclaration[];
}

/** Immutable: every call returns a new builder; the IR node is plain JSON. */
export class SourceBuilder {
  /** @internal */
  constructor(private readonly state: SourceState) {}

  /** Appends a per-sample operator; arguments are typed from its schema and may be parameters. */
  apply<K extends string, S extends z.ZodType, R extends string>(
    operator: OperatorDeclaration<K, S, R>,
    args: Partial<ArgsOf<S>> = {},
  ): SourceBuilder {
    const use: OperatorUse = {
      op: operator.kind,
      fn: operator.fn,
      args: { ...(args as Record<string, unknown>) },
    };
    return new SourceBuilder({
      node: { ...this.state.node, ops: [...this.state.node.ops, use] },
      operators: [...this.state.operators, operator as unknown as OperatorDeclaration],
    });
  }

  /** @internal */
  build(): SourceState {
    return this.state;
  }
}

export function sourceBuilder(name: string, uri: string, pattern: string): SourceBuilder {
  return new SourceBuilder({
    node: { kind: 'source', name, uri, pattern, ops: [] },
    operators: [],
  });
}
