/** Shared set-up for reversible-layer tests: a workspace mounted at /workspace, a kernel, a layer, a store. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy, type FsSnapshotOptions } from '../../src/reversible/strategies';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

/** fs.write on output/ (no fs.delete there: undoing a created file must not need it); fs.delete only on trash/. */
export const POLICY = `capabilities:
  - action: fs.read
    resource: /workspace/**
  - action: fs.write
    resource: /workspace/output/**
  - action: fs.delete
    resource: /workspace/trash/**
`;

/** A folder layout for one test: `root/ws` (mounted at /workspace) with output/ and trash/, `root/store`, `root/kernel.log`. */
export interface Env {
  readonly root: string;
  readonly ws: string;
  readonly storeDir: string;
  readonly logPath: string;
  readonly policyPath: string;
}

/** A fresh layout. */
export function makeEnv(policy = POLICY): Env {
  const root = tempDir('agent-os-reversible-');
  const ws = path.join(root, 'ws');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'trash'), { recursive: true });
  return { root, ws, storeDir: path.join(root, 'store'), logPath: path.join(root, 'kernel.log'), policyPath: writePolicy(root, policy) };
}

/** A kernel, store and layer over `env` (a new set each call, as a new process would build). */
export function open(env: Env, options: { ttl?: number; snapshot?: FsSnapshotOptions; provider?: FilesystemProvider } = {}) {
  const provider = options.provider ?? new FilesystemProvider({ mounts: { '/workspace': env.ws } });
  const kernel = new Kernel({ policy: env.policyPath, providers: [provider], logPath: env.logPath });
  const store = new SnapshotStore(env.storeDir, options.ttl === undefined ? {} : { ttl: options.ttl });
  const layer = new ReversibleActionLayer({
    kernel,
    strategies: [new FsWriteSnapshotStrategy(options.snapshot), new FsDeleteSnapshotStrategy(options.snapshot)],
    store,
  });
  return { kernel, store, layer };
}

/** Host path of a /workspace path. */
export function host(env: Env, agentPath: string): string {
  return path.join(env.ws, agentPath.replace(/^\/workspace\/?/, ''));
}

/** Bytes, mode and inode of a host file (`undefined` if missing). */
export function fileFacts(file: string): { bytes: Buffer; mode: number; ino: number } | undefined {
  if (!fs.existsSync(file)) return undefined;
  const st = fs.statSync(file);
  return { bytes: fs.readFileSync(file), mode: st.mode & 0o7777, ino: st.ino };
}

/** Number of blob files in the store. */
export function blobCount(storeDir: string): number {
  const blobs = path.join(storeDir, 'blobs');
  if (!fs.existsSync(blobs)) return 0;
  return fs.readdirSync(blobs).reduce((n, sub) => n + fs.readdirSync(path.join(blobs, sub)).filter((f) => !f.endsWith('.tmp')).length, 0);
}

/** Every byte value, plus bytes that are not valid UTF-8. */
export const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28])]);
