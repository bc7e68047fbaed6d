// Mutators, defined once and run by both sides: the server applies them to the source of truth, the
// client applies them to its optimistic view. Args are validated with any Standard Schema.
import type { StandardSchemaV1 } from './standard-schema';
import type { MutationRejection } from './store';

/** What a mutator learns about the mutation it applies. */
export interface MutatorContext {
  topic: string;
  clientId: string;
  seq: number;
  /** True on the source of truth, false in a client's optimistic view. */
  server: boolean;
}

export interface MutatorDefinition<S, Schema extends StandardSchemaV1> {
  args: Schema;
  /**
   * Returns the next state; must not modify `state` (it may be the confirmed state a view shares).
   * Throw `new MutationRejected(code, message)` to refuse: the client gets that code and message.
   */
  apply(state: S, args: StandardSchemaV1.InferOutput<Schema>, ctx: MutatorContext): S;
}

/** A topic's mutators: name → definition. Built by `defineMutators`, which infers every type. */
// biome-ignore lint/suspicious/noExplicitAny: the defaults accept mutators of any state and args (apply's parameters are contravariant)
export type Mutators<S = any, Schemas extends Record<string, StandardSchemaV1> = any> = {
  [K in keyof Schemas]: MutatorDefinition<S, Schemas[K]>;
};

/** The state a set of mutators works on. */
// biome-ignore lint/suspicious/noExplicitAny: only the state is inferred here
export type MutatorState<M> = M extends Mutators<infer S, any> ? S : never;
/** The args a client passes to mutator `K` (the schema's input type). */
export type MutatorArgs<M, K extends keyof M> = M[K] extends { args: infer Schema }
  ? Schema extends StandardSchemaV1
    ? StandardSchemaV1.InferInput<Schema>
    : never
  : never;

/** Topic name → that topic's mutators, as a server or client is configured with. */
export type MutatorsByTopic = Record<string, Mutators>;

/**
 * The typed signature of a client's `mutate(topic, name, args)` for a `MutatorsByTopic`, so a
 * transport client can declare `mutate: MutateFn<typeof mutators>` and get inference with no codegen.
 */
export type MutateFn<T extends MutatorsByTopic, R = unknown> = <
  Topic extends keyof T & string,
  Name extends keyof T[Topic] & string,
>(
  topic: Topic,
  name: Name,
  args: MutatorArgs<T[Topic], Name>,
) => Promise<R>;

/**
 * Declares a topic's mutators. The state type comes from `apply`'s first parameter, each args type
 * from its schema: `defineMutators({ add: { args: z.object({ text: z.string() }), apply(state: Todo[], args) … } })`.
 */
export function defineMutators<S, Schemas extends Record<string, StandardSchemaV1>>(
  mutators: Mutators<S, Schemas>,
): Mutators<S, Schemas> {
  for (const [name, mutator] of Object.entries(mutators)) {
    if (
      typeof mutator !== 'object' ||
      typeof mutator?.args?.['~standard']?.validate !== 'function' ||
      typeof mutator.apply !== 'function'
    ) {
      throw new TypeError(
        `[state-sync] mutator "${name}" must be { args: a Standard Schema (zod, valibot…), apply(state, args, ctx) }`,
      );
    }
  }
  return mutators;
}

/**
 * The one error shape of the write path: a mutator throws it to refuse a mutation, the server
 * reports it (`{ code, message }`), and a client's `mutate()` rejects with it. Codes of the library
 * itself: `invalid_args`, `unknown_topic`, `unknown_mutator`, `unknown_client`, `mutation_gap`,
 * `write_conflict`, `mutation_failed` (a mutator threw something else), `queue_full`, `stopped`.
 */
export class MutationRejected extends Error {
  override readonly name = 'MutationRejected';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): MutationRejection {
    return { code: this.code, message: this.message };
  }
}

/** Finds the mutator or throws `unknown_topic` / `unknown_mutator`. */
export function findMutator(
  byTopic: MutatorsByTopic,
  topic: string,
  name: string,
): MutatorDefinition<unknown, StandardSchemaV1> {
  const mutators = Object.hasOwn(byTopic, topic) ? byTopic[topic] : undefined;
  if (!mutators) {
    throw new MutationRejected('unknown_topic', `no mutators are defined for topic "${topic}"`);
  }
  const mutator = Object.hasOwn(mutators, name) ? mutators[name] : undefined;
  if (!mutator) {
    throw new MutationRejected(
      'unknown_mutator',
      `topic "${topic}" has no mutator "${name}" (known: ${Object.keys(mutators).join(', ')})`,
    );
  }
  return mutator;
}

/** Validates args with the mutator's schema; throws `invalid_args` naming the first issues. */
export async function validateArgs(
  mutator: MutatorDefinition<unknown, StandardSchemaV1>,
  name: string,
  args: unknown,
): Promise<unknown> {
  const result = await mutator.args['~standard'].validate(args);
  if (result.issues) throw argsRejected(name, result.issues);
  return result.value;
}

/** The `invalid_args` refusal, naming up to three issues with their paths. */
export function argsRejected(
  name: string,
  issues: readonly StandardSchemaV1.Issue[],
): MutationRejected {
  const described = issues.slice(0, 3).map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
      .join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return new MutationRejected(
    'invalid_args',
    `args of "${name}" rejected: ${described.join('; ')}`,
  );
}

/** Turns whatever a mutator threw into the wire shape. */
export function toRejection(error: unknown): MutationRejected {
  if (error instanceof MutationRejected) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MutationRejected('mutation_failed', message, { cause: error });
}
