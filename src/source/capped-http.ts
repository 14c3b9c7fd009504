// isomorphic-git's node HTTP client with a cap on the bytes a fetch may
// receive. A fetch without `depth` offers the commit we hold as a "have" and
// normally gets only what a push added; but when the history it asks for
// does not meet what we hold (a force-push below our tip, a PR branched from
// below our shallow boundary, our tip gone from the server), git sends the
// ref's whole history. The cap stops that transfer early, and the caller
// falls back to a depth-1 fetch, which is bounded by one tree.
import fs from 'node:fs';
import path from 'node:path';
import http from 'isomorphic-git/http/node';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

/** A fetch stopped because its response passed the cap (nothing was written to the repository). */
export class FetchTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the fetch passed ${limit} bytes`);
  }
}

/** Counts the bytes of every response body; past `limit` (when set) the body throws FetchTooLargeError. */
export class CappedHttp implements HttpClient {
  received = 0;
  /** Set once a body passed the cap (isomorphic-git may wrap the error it throws). */
  tooLarge = false;

  constructor(readonly limit?: number) {}

  request = async (req: GitHttpRequest): Promise<GitHttpResponse> => {
    const res = await http.request(req);
    if (!res.body) return res;
    const inner = res.body;
    const self = this;
    async function* counted(): AsyncIterableIterator<Uint8Array> {
      for await (const chunk of inner) {
        self.received += chunk.byteLength;
        if (self.limit !== undefined && self.received > self.limit) {
          self.tooLarge = true;
          throw new FetchTooLargeError(self.limit);
        }
        yield chunk;
      }
    }
    return { ...res, body: counted() };
  };
}

/**
 * The cap for a fetch into `gitdir`: twice its largest pack (the shallow
 * clone's, one whole tree) plus 8 MiB. A push that rewrites every spec still
 * fits; a repository's history does not.
 */
export function fetchCap(gitdir: string): number {
  let largest = 0;
  const dir = path.join(gitdir, 'objects', 'pack');
  try {
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.pack')) largest = Math.max(largest, fs.statSync(path.join(dir, n)).size);
  } catch {
    /* no packs yet */
  }
  return 2 * largest + 8 * 1024 * 1024;
}

/**
 * One fetch into `gitdir`, by the rule above: when `holding` (a commit we
 * hold is offered as the "have") without depth through a capped client, and
 * at depth 1 past the cap; at depth 1 when nothing is held.
 */
export async function fetchAgainstHave<T>(
  gitdir: string,
  holding: boolean,
  fetch: (o: { http: HttpClient; depth?: number }) => Promise<T>,
  onCap?: (cap: number) => void,
): Promise<T> {
  if (!holding) return fetch({ http, depth: 1 });
  const capped = new CappedHttp(fetchCap(gitdir));
  try {
    return await fetch({ http: capped });
  } catch (err) {
    if (!capped.tooLarge) throw err;
    onCap?.(capped.limit!);
    return fetch({ http, depth: 1 });
  }
}
