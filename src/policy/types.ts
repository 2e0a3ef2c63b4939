/**
 * Shared, pure data types of the policy language (parse → validate → compile → evaluate).
 * Nothing here performs I/O.
 */

/** The effect a decision can have. `ask` = allowed only after a human approves. */
export const Effect = { Allow: 'allow', Deny: 'deny', Ask: 'ask' } as const;
export type Effect = (typeof Effect)[keyof typeof Effect];

/** The built-in actions. Custom providers may register more (see {@link PolicyOptions.extraActions}). */
export const BuiltinAction = {
  FsRead: 'fs.read',
  FsWrite: 'fs.write',
  FsDelete: 'fs.delete',
  FsList: 'fs.list',
  ProcExec: 'proc.exec',
  NetHttp: 'net.http',
  McpCall: 'mcp.call',
} as const;
export type BuiltinAction = (typeof BuiltinAction)[keyof typeof BuiltinAction];

/** Which list of the policy file a rule came from. */
export const RuleKind = { Capability: 'capability', Deny: 'deny', Ask: 'ask' } as const;
export type RuleKind = (typeof RuleKind)[keyof typeof RuleKind];

/** A position in a source file, 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Values of a proc.exec rule's `network` constraint. */
export const NetworkGrant = {
  /** No network (the default): a private network namespace with only loopback. */
  None: 'none',
  /** HTTP(S) egress only through the kernel's auditing proxy, each connection judged by the `net.http` rules. */
  Proxy: 'proxy',
} as const;
export type NetworkGrant = (typeof NetworkGrant)[keyof typeof NetworkGrant];

/** Constraints a rule may carry; which keys are legal depends on the action (validated). */
export interface RuleConstraint {
  /** fs.read / fs.write: bytes read or written; net.http: response body bytes. */
  readonly max_bytes?: number;
  /** fs.delete: true allows removing a directory tree. */
  readonly recursive?: boolean;
  /** proc.exec: glob patterns the arguments must match (semantics documented in validate.ts). */
  readonly args?: readonly string[];
  /** proc.exec: globs no argument may match. */
  readonly deny_args?: readonly string[];
  /** proc.exec: glob the working directory must match. */
  readonly cwd?: string;
  /** proc.exec: names of environment variables that may be passed. */
  readonly env?: readonly string[];
  /** proc.exec: upper bound for the timeout in milliseconds. */
  readonly timeout_ms?: number;
  /**
   * proc.exec (capabilities and ask only): `proxy` grants the program HTTP(S) egress through
   * the auditing proxy, each connection decided by the `net.http` rules; `none` (the default)
   * gives it no network at all.
   */
  readonly network?: NetworkGrant;
  /** net.http: allowed methods, upper-cased. */
  readonly method?: readonly string[];
  /** mcp.call and custom actions: conditions on arguments, keyed by argument path (see params-constraint.ts). */
  readonly params?: Readonly<Record<string, ParamCondition>>;
  /**
   * fs.write: the provider may only create a new file, never replace one. Never written in a
   * policy: set on a grant by a `created_by_run` rule for a target the run did not create.
   */
  readonly create_only?: boolean;
  /**
   * fs.write / fs.delete: the provider may replace or delete the file at the target only if
   * it is this file (its identity as recorded when the run created it). Never written in a
   * policy: set on a grant by a `created_by_run` rule for a target the run created.
   */
  readonly created_file?: string;
  /**
   * fs.delete (recursive): path globs of deny rules that may match something below the target;
   * the provider refuses the delete if the tree holds an entry one of them matches. Never
   * written in a policy: set on a grant by evaluation (evaluate.ts).
   */
  readonly protected_below?: readonly string[];
}

/**
 * One condition of a `params` constraint, as validated: the value at the argument path must
 * match one of `match` (globs for strings, exact values otherwise), lie within `min`/`max`,
 * and be at most `max_length` long (characters of a string, items of a list). Absent fields
 * do not constrain.
 */
export interface ParamCondition {
  readonly match?: readonly (string | number | boolean | null)[];
  readonly min?: number;
  readonly max?: number;
  readonly max_length?: number;
}

/**
 * History-aware keys of a capability or ask rule (validate-history.ts): the rule grants only
 * when the run's own state (see src/workflows/run-history-state.ts) allows it.
 */
export interface RuleHistory {
  /** The rule grants at most this many actions per run. */
  readonly max_calls?: number;
  /** Another rule of the same file (or an approval) must have allowed an action earlier in the run. */
  readonly requires?: RuleRequirement;
  /** fs.delete / fs.write: the target must have been created by this run (a write may still create a new file). */
  readonly created_by_run?: true;
}

/** What a `requires` names: a rule id or any approval, optionally on the same canonical target. */
export type RuleRequirement = { readonly rule: string; readonly same_target?: boolean } | { readonly approval: true; readonly same_target?: boolean };

/** One validated rule. `id` is the author's `id`, or a generated `<kind>[<index>]`. */
export interface Rule {
  readonly id: string;
  readonly kind: RuleKind;
  /** An action name or a glob over action names (`fs.*`). */
  readonly action: string;
  /** A glob over canonical targets. */
  readonly resource: string;
  readonly constraint: RuleConstraint;
  /** History-aware keys, absent when the rule has none (the common case). */
  readonly history?: RuleHistory;
  readonly position: SourcePosition;
}

/** A validated policy document: the only shape later stages accept. */
export interface PolicyDocument {
  readonly file: string;
  readonly version?: number;
  /** sha256 (hex) of the source text, recorded in audit records. */
  readonly hash: string;
  readonly capabilities: readonly Rule[];
  readonly deny: readonly Rule[];
  readonly ask: readonly Rule[];
}

/** A request whose target is already in canonical form (see canonical.ts). */
export interface CanonicalRequest {
  readonly action: string;
  /** Canonical target: absolute normalized path, `scheme://host[:port]/path`, or program name. */
  readonly target: string;
  /** Action parameters (e.g. `method`, `args`, `cwd`, `env` names, `bytes`). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Other names of the very same target, found by its provider (a program's path on the fixed
   * PATH, its real path, their bare names). Deny and ask rules also match these; a grant never
   * does, so a name can only narrow what is allowed.
   */
  readonly aliases?: readonly string[];
}

/** The outcome of evaluating one request. Never thrown; always returned. */
export interface Decision {
  readonly effect: Effect;
  /** The rule that decided, absent for the default deny. */
  readonly ruleId?: string;
  /** A sentence a person understands, e.g. "no capability allows fs.write on /etc/passwd". */
  readonly reason: string;
  /** The canonical target that was judged. */
  readonly target: string;
}

/** Options for loading/validating a policy. */
export interface PolicyOptions {
  /** Extra action names registered by custom providers (e.g. `kv.get`). */
  readonly extraActions?: readonly string[];
}
