/**
 * Typed failures of the built-in filesystem provider (`Fs.*`). The kernel returns them as
 * `ActionResult.code` (a refusal at resolve time, e.g. `Fs.Escape`, is a DENIED result) and
 * writes them into the audit record.
 */
import { AgentOsError } from '../errors';

/** Codes of the filesystem provider's failures (`Fs.*`). */
export const FsCode = {
  NotFound: 'Fs.NotFound',
  UnsafeFile: 'Fs.UnsafeFile',
  Escape: 'Fs.Escape',
  TooLarge: 'Fs.TooLarge',
  WrongType: 'Fs.WrongType',
  RecursiveNotAllowed: 'Fs.RecursiveNotAllowed',
  InvalidParam: 'Fs.InvalidParam',
  InvalidMount: 'Fs.InvalidMount',
  Exists: 'Fs.Exists',
  Replaced: 'Fs.Replaced',
  Protected: 'Fs.Protected',
} as const;
export type FsCode = (typeof FsCode)[keyof typeof FsCode];

/**
 * An fs.write that may only create a new file (its grant came from a `created_by_run` rule
 * for a target the run did not create) found a file there: nothing was replaced.
 */
export class FsExistsError extends AgentOsError {
  readonly code = FsCode.Exists;
  constructor(readonly path: string) {
    super(`refusing to replace ${path}: this run did not create it, and the rule allows only files this run created`);
  }
}

/**
 * An fs.write or fs.delete whose grant relies on `created_by_run` found another file at the
 * path than the one this run created there (someone replaced it: renamed a file over it,
 * or deleted it and put a new one there): nothing was replaced or deleted.
 */
export class FsReplacedError extends AgentOsError {
  readonly code = FsCode.Replaced;
  constructor(readonly path: string) {
    super(`refusing to touch ${path}: the file there is not the one this run created (it was replaced), and the rule allows only files this run created`);
  }
}

/** The path does not exist (message carries the agent-visible path only). */
export class FsNotFoundError extends AgentOsError {
  readonly code = FsCode.NotFound;
  constructor(readonly path: string) {
    super(`no such file or directory: ${path}`);
  }
}

/** The file is a FIFO, device, socket, symlink or has more than one hard link, or changed since it was judged. */
export class FsUnsafeFileError extends AgentOsError {
  readonly code = FsCode.UnsafeFile;
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`refusing ${path}: ${problem}`);
  }
}

/** The path lies, or resolves (through a symlink), outside every mount. */
export class FsEscapeError extends AgentOsError {
  readonly code = FsCode.Escape;
  constructor(readonly path: string) {
    super(`${path} resolves outside every mount`);
  }
}

/** The content exceeds the `max_bytes` cap that applies to this write. */
export class FsTooLargeError extends AgentOsError {
  readonly code = FsCode.TooLarge;
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${bytes} bytes for ${path} exceed the cap of ${maxBytes} bytes`);
  }
}

/** An fs.list of a folder with more entries than the provider lists in one answer (`maxListEntries`). */
export class FsTooManyEntriesError extends AgentOsError {
  readonly code = FsCode.TooLarge;
  constructor(
    readonly path: string,
    readonly maxEntries: number,
  ) {
    super(
      `${path} holds more than ${maxEntries} entries, the most one fs.list answers (the provider's maxListEntries): list a folder below it, or raise maxListEntries`,
    );
  }
}

/** The operation does not fit the kind of file (e.g. fs.read on a directory, fs.list on a file). */
export class FsWrongTypeError extends AgentOsError {
  readonly code = FsCode.WrongType;
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path} is not ${expected}`);
  }
}

/** Deleting a directory needs `recursive: true` in the params and in the deciding rule's constraint. */
export class FsRecursiveNotAllowedError extends AgentOsError {
  readonly code = FsCode.RecursiveNotAllowed;
  constructor(readonly path: string) {
    super(`${path} is a directory; deleting it needs params.recursive and a rule with constraint recursive: true`);
  }
}

/**
 * A recursive fs.delete found, below its target, an entry a deny rule protects (the grant's
 * `protected_below`): nothing was deleted.
 */
export class FsProtectedError extends AgentOsError {
  readonly code = FsCode.Protected;
  constructor(
    readonly path: string,
    readonly entry: string,
    readonly pattern: string,
  ) {
    super(`refusing to delete ${path} recursively: ${entry} below it is protected by a deny rule on ${pattern}; nothing was deleted`);
  }
}

/** A parameter of an fs action has the wrong type or value. */
export class FsInvalidParamError extends AgentOsError {
  readonly code = FsCode.InvalidParam;
  constructor(
    readonly param: string,
    readonly problem: string,
  ) {
    super(`invalid param "${param}": ${problem}`);
  }
}

/** A mount of the filesystem provider is unusable (thrown by the provider's constructor). */
export class FsInvalidMountError extends AgentOsError {
  readonly code = FsCode.InvalidMount;
  constructor(
    readonly mountPoint: string,
    readonly problem: string,
  ) {
    super(`invalid mount ${JSON.stringify(mountPoint)}: ${problem}`);
  }
}
