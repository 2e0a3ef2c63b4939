/**
 * An in-memory symlink table that behaves like the kernel's path walk, used as the
 * provider's `realpathOfExisting` in tests. Links are followed whether or not their
 * destination exists (a dangling link still redirects a write), `..` after a link
 * applies to where the link led, and more than 40 hops fail like ELOOP.
 */

/** Maps absolute link paths to their (absolute or relative) destinations. */
export type LinkTable = Readonly<Record<string, string>>;

/** A `realpathOfExisting` over `links`. */
export function fakeRealpath(links: LinkTable): (absPath: string) => string {
  return (absPath) => {
    let pending = absPath.split('/').filter((s) => s !== '');
    let resolved: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const [segment, ...rest] = pending;
      pending = rest;
      if (segment === undefined || segment === '.') continue;
      if (segment === '..') {
        resolved.pop();
        continue;
      }
      const link = links['/' + [...resolved, segment].join('/')];
      if (link === undefined) {
        resolved.push(segment);
        continue;
      }
      hops += 1;
      if (hops > 40) throw Object.assign(new Error(`ELOOP: too many symbolic links: ${absPath}`), { code: 'ELOOP' });
      if (link.startsWith('/')) resolved = [];
      pending = [...link.split('/').filter((s) => s !== ''), ...pending];
    }
    return '/' + resolved.join('/');
  };
}
