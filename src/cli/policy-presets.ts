/**
 * Starter policies for `agent-os policy init --preset …`, named like the sandbox modes of
 * coding agents: each is a commented YAML file that passes `policy check`, meant to be
 * read and edited. Everything not granted stays denied.
 */

/** The presets `policy init` offers. */
export const PolicyPreset = {
  ReadOnly: 'read-only',
  WorkspaceWrite: 'workspace-write',
  WorkspaceExec: 'workspace-exec',
} as const;

/** One of {@link PolicyPreset}'s values. */
export type PolicyPreset = (typeof PolicyPreset)[keyof typeof PolicyPreset];

const HEADER = (preset: string, what: string): string => `# agent-os policy — preset "${preset}" (agent-os policy init --preset ${preset})
#
# ${what}
#
# Default deny: an action no rule below grants is refused and recorded in the audit log.
# A deny rule beats everything; an ask rule makes a human decide (agent-os approve);
# a capability allows. Paths are judged after symlinks and ".." are resolved.
# Check your edits with: agent-os policy check <this file>
# Reference: docs/policy-reference.md
version: 1
`;

const READ = `capabilities:
  # Read and list anything under the workspace (dot-files such as .env are not
  # granted by ** unless a rule names them), at most 10 MiB per file.
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
    constraint: { max_bytes: 10485760 }
  - id: list-workspace
    action: fs.list
    resource: /workspace/**
`;

const WRITE = `
  # Write files anywhere in the workspace (not dot-files), up to 10 MiB each.
  # Writes are reversible: \`agent-os rollback -w <run> --all\` puts the old content back.
  - id: write-workspace
    action: fs.write
    resource: /workspace/**
    constraint: { max_bytes: 10485760 }
`;

const EXEC = `
  # Run a few programs inside the workspace, sandboxed, with a time limit.
  - id: run-tools
    action: proc.exec
    resource: '{ls,cat,head,wc,grep,python3}'
    constraint:
      cwd: /workspace/**
      timeout_ms: 60000

  # Read-only git.
  - id: git-read
    action: proc.exec
    resource: git
    constraint:
      args: ['{status,log,diff,show}', '**']
      deny_args: ['-c', '--upload-pack*', '--exec*']
      cwd: /workspace/**
      timeout_ms: 30000
`;

const DENY = `
deny:
  # Secrets and repository internals stay off limits, whatever is granted above.
  - id: no-secrets
    action: fs.*
    resource: /workspace/**/.env
  - id: no-git-internals
    action: fs.*
    resource: /workspace/**/.git/**
`;

const ASK_DELETE = `
ask:
  # Deleting needs a person's yes (agent-os approve, or the prompt of agent-os run).
  - id: ask-delete
    action: fs.delete
    resource: /workspace/**
`;

const ASK_EXEC = `
  # Committing needs a person's yes too.
  - id: ask-git-commit
    action: proc.exec
    resource: git
    constraint:
      args: [commit, '**']
      deny_args: ['-c', '--exec*']
      cwd: /workspace/**
      timeout_ms: 30000
`;

/** The YAML text of a preset. */
export function presetText(preset: PolicyPreset): string {
  switch (preset) {
    case PolicyPreset.ReadOnly:
      return HEADER(preset, 'The agent may look at the workspace and change nothing.') + READ + DENY;
    case PolicyPreset.WorkspaceWrite:
      return HEADER(preset, 'The agent may read and write files in the workspace; deleting asks a person first.') + READ + WRITE + DENY + ASK_DELETE;
    case PolicyPreset.WorkspaceExec:
      return (
        HEADER(preset, 'As workspace-write, plus a few sandboxed programs and read-only git; commits ask a person first.') +
        READ +
        WRITE +
        EXEC +
        DENY +
        ASK_DELETE +
        ASK_EXEC
      );
  }
}
