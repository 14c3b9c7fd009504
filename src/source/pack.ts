// Blobs straight out of a repository's object store (loose objects and pack
// files), for the one case where isomorphic-git is slow: reading every spec of
// a large commit, after a fetch or from a local repository.
// A fetched pack stores most specs as deltas against their neighbours (a
// 100k-flow tree: 585 files, mostly deltas), and isomorphic-git applies deltas
// through a byte cursor in JS — 1–2.5 s for one tree on this project's bench
// machine, more than everything else in reading it. Here a delta is applied
// over plain byte arrays, zlib is node's, and each resolved base is kept for
// the rest of the read.
//
// Scope, kept small on purpose (tree.ts falls back to isomorphic-git for
// everything else): loose objects, version-2 pack indexes in `objects/pack/`,
// ofs-delta and ref-delta chains inside one pack. Commits and trees are still
// read by isomorphic-git. Every blob
// returned is checked against its object id (SHA-1 of the Git object), so a
// corrupt pack is an error, never different bytes.
import nodeFs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const OBJ_COMMIT = 1;
const OBJ_TREE = 2;
const OBJ_BLOB = 3;
const OBJ_TAG = 4;
const OBJ_OFS_DELTA = 6;
const OBJ_REF_DELTA = 7;
const TYPE_NAMES: Record<number, string> = { [OBJ_COMMIT]: 'commit', [OBJ_TREE]: 'tree', [OBJ_BLOB]: 'blob', [OBJ_TAG]: 'tag' };

/** Blobs served, by where they were found (tests see that this reader, not isomorphic-git, read them). */
export const objectReads = { loose: 0, packed: 0 };

/** Longest delta chain followed (git's default `pack.depth` is 50; 4095 is git's own hard limit). */
const MAX_CHAIN = 4095;

/** An object store that cannot give an object it holds (tree.ts reports it as GIT_PACK_CORRUPT). */
export class PackCorruptError extends Error {}

interface Resolved {
  type: number;
  bytes: Buffer;
}

/** One `pack-*.pack` with its version-2 index. */
class Pack {
  private readonly fanout: Uint32Array;
  private readonly count: number;
  private readonly idx: Buffer;
  private fd: number | undefined;
  /** Objects resolved during this read, by pack offset (delta bases are read again and again). */
  private readonly resolved = new Map<number, Resolved>();

  constructor(
    readonly packPath: string,
    idx: Buffer,
  ) {
    this.idx = idx;
    this.fanout = new Uint32Array(256);
    for (let i = 0; i < 256; i++) this.fanout[i] = idx.readUInt32BE(8 + i * 4);
    this.count = this.fanout[255]!;
    const need = 8 + 1024 + this.count * 28 + 40;
    if (idx.length < need) throw new Error(`pack index ${path.basename(packPath)} is truncated`);
  }

  /** Pack offset of `oid` (40 hex), or -1. */
  offsetOf(oid: Buffer): number {
    const first = oid[0]!;
    let lo = first === 0 ? 0 : this.fanout[first - 1]!;
    let hi = this.fanout[first]!;
    const shas = 8 + 1024;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.idx.compare(oid, 0, 20, shas + mid * 20, shas + mid * 20 + 20) * -1;
      if (c === 0) return this.offsetAt(mid);
      if (c < 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }

  private offsetAt(i: number): number {
    const offs = 8 + 1024 + this.count * 24;
    const o = this.idx.readUInt32BE(offs + i * 4);
    if (!(o & 0x80000000)) return o;
    const big = offs + this.count * 4 + (o & 0x7fffffff) * 8;
    const v = this.idx.readBigUInt64BE(big);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('pack offset too large');
    return Number(v);
  }

  private size(): number {
    this.fd ??= nodeFs.openSync(this.packPath, 'r');
    return nodeFs.fstatSync(this.fd).size;
  }

  private read(at: number, length: number): Buffer {
    this.fd ??= nodeFs.openSync(this.packPath, 'r');
    const out = Buffer.allocUnsafe(length);
    const n = nodeFs.readSync(this.fd, out, 0, length, at);
    return n === length ? out : out.subarray(0, n);
  }

  /** The object at `offset`, deltas applied. */
  objectAt(offset: number, depth = 0): Resolved {
    const hit = this.resolved.get(offset);
    if (hit) return hit;
    if (depth > MAX_CHAIN) throw new Error(`delta chain longer than ${MAX_CHAIN} at offset ${offset}`);
    // Header: type and inflated size, then the base reference of a delta.
    const head = this.read(offset, 32);
    let c = head[0]!;
    const type = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    let p = 1;
    while (c & 0x80) {
      c = head[p++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let base: Resolved | undefined;
    if (type === OBJ_OFS_DELTA) {
      c = head[p++]!;
      let back = c & 0x7f;
      while (c & 0x80) {
        c = head[p++]!;
        back = (back + 1) * 128 + (c & 0x7f);
      }
      base = this.objectAt(offset - back, depth + 1);
    } else if (type === OBJ_REF_DELTA) {
      const baseOid = head.subarray(p, p + 20);
      p += 20;
      const at = this.offsetOf(baseOid);
      if (at < 0) throw new Error(`delta base ${baseOid.toString('hex')} is not in the same pack`);
      base = this.objectAt(at, depth + 1);
    } else if (!TYPE_NAMES[type]) {
      throw new Error(`unknown object type ${type} at offset ${offset}`);
    }
    // zlib's own encoder never grows data past this bound (deflateBound), so
    // its stream is inside the window; another encoder's (stored blocks, sync
    // flushes) may be longer: then the rest of the pack is read. The output
    // is capped at the size the header gives (a zlib bomb stops there).
    const window = size + (size >> 12) + (size >> 14) + (size >> 25) + 64;
    const opts = { maxOutputLength: Math.max(1, size) };
    let data: Buffer;
    try {
      data = zlib.inflateSync(this.read(offset + p, window), opts);
    } catch {
      data = zlib.inflateSync(this.read(offset + p, Math.max(window, this.size() - offset - p)), opts);
    }
    if (data.length !== size) throw new Error(`object at offset ${offset} inflates to ${data.length} bytes, its header says ${size}`);
    const out: Resolved = base ? { type: base.type, bytes: applyDelta(base.bytes, data) } : { type, bytes: data };
    this.resolved.set(offset, out);
    return out;
  }

  close(): void {
    if (this.fd !== undefined) nodeFs.closeSync(this.fd);
    this.fd = undefined;
    this.resolved.clear();
  }
}

function varint(d: Uint8Array, at: { p: number }): number {
  let v = 0;
  let shift = 0;
  let c: number;
  do {
    c = d[at.p++]!;
    v += (c & 0x7f) * 2 ** shift;
    shift += 7;
  } while (c & 0x80);
  return v;
}

/** Git's delta format: source size, target size, then copy and insert instructions. */
export function applyDelta(source: Uint8Array, delta: Uint8Array): Buffer {
  const at = { p: 0 };
  if (varint(delta, at) !== source.length) throw new Error('delta does not apply: its source size differs');
  const size = varint(delta, at);
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  let p = at.p;
  while (p < delta.length) {
    const op = delta[p++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      if (op & 1) off = delta[p++]!;
      if (op & 2) off |= delta[p++]! << 8;
      if (op & 4) off |= delta[p++]! << 16;
      if (op & 8) off += delta[p++]! * 0x1000000;
      if (op & 16) len = delta[p++]!;
      if (op & 32) len |= delta[p++]! << 8;
      if (op & 64) len |= delta[p++]! << 16;
      if (len === 0) len = 0x10000;
      if (off + len > source.length || o + len > size) throw new Error('delta copies outside its source or target');
      out.set(source.subarray(off, off + len), o);
      o += len;
    } else if (op) {
      if (p + op > delta.length || o + op > size) throw new Error('delta inserts past its end');
      out.set(delta.subarray(p, p + op), o);
      o += op;
      p += op;
    } else {
      throw new Error('delta has a reserved instruction (0)');
    }
  }
  if (o !== size) throw new Error(`delta builds ${o} bytes, it says ${size}`);
  return out;
}

/** Parsed pack indexes by repository and index file name (see ObjectReader.packs). */
const indexes = new Map<string, Map<string, Pack>>();

/**
 * The object store of one repository for the length of one tree read: loose
 * objects and version-2 packs. `blob` returns undefined for an object it does
 * not find (other index versions, alternates): the caller reads those with
 * isomorphic-git.
 */
export class ObjectReader {
  /** Opened on the first blob not found loose (a read whose blobs all come from the BlobCache opens none). */
  private opened?: Pack[];

  private constructor(private readonly gitdir: string) {}

  static open(gitdir: string): ObjectReader {
    return new ObjectReader(gitdir);
  }

  private get packs(): Pack[] {
    if (this.opened) return this.opened;
    const dir = path.join(this.gitdir, 'objects', 'pack');
    let names: string[] = [];
    try {
      names = nodeFs.readdirSync(dir).filter((n) => n.endsWith('.idx'));
    } catch {
      /* no packs */
    }
    // A pack and its index never change once written: parsed indexes are kept
    // per repository (each fetch adds a pack; re-reading every index on every
    // read would grow with the repository's age).
    let known = indexes.get(this.gitdir);
    if (!known) {
      if (indexes.size >= 16) indexes.delete(indexes.keys().next().value!);
      indexes.set(this.gitdir, (known = new Map()));
    }
    const found: { pack: Pack; mtime: number }[] = [];
    const seen = new Set<string>();
    for (const n of names) {
      const packPath = path.join(dir, n.slice(0, -4) + '.pack');
      seen.add(n);
      try {
        const mtime = nodeFs.statSync(packPath).mtimeMs;
        let pack = known.get(n);
        if (!pack) {
          const idx = nodeFs.readFileSync(path.join(dir, n));
          if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) continue; // v1 or unknown: isomorphic-git reads those
          known.set(n, (pack = new Pack(packPath, idx)));
        }
        found.push({ pack, mtime });
      } catch {
        continue;
      }
    }
    for (const n of known.keys()) if (!seen.has(n)) known.delete(n);
    // Newest first: a push's blobs are in the pack its fetch wrote.
    this.opened = found.sort((a, b) => b.mtime - a.mtime).map((f) => f.pack);
    return this.opened;
  }

  /** The content of blob `oid`, checked against its id; undefined when this store does not hold it. */
  blob(oid: string): Buffer | undefined {
    let found = this.loose(oid);
    if (found) objectReads.loose++;
    else if ((found = this.packed(oid))) objectReads.packed++;
    else return undefined;
    if (found.type !== OBJ_BLOB) throw new PackCorruptError(`object ${oid} is a ${TYPE_NAMES[found.type] ?? found.type}, not a blob`);
    const sum = crypto.createHash('sha1').update(`blob ${found.bytes.length}\0`).update(found.bytes).digest('hex');
    if (sum !== oid) throw new PackCorruptError(`object ${oid} hashes to ${sum}`);
    return found.bytes;
  }

  private loose(oid: string): Resolved | undefined {
    let raw: Buffer;
    try {
      raw = nodeFs.readFileSync(path.join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
    } catch {
      return undefined;
    }
    let data: Buffer;
    try {
      data = zlib.inflateSync(raw);
    } catch (err) {
      throw new PackCorruptError(`loose object ${oid} does not inflate: ${(err as Error).message}`);
    }
    const nul = data.indexOf(0);
    const header = nul > 0 ? data.toString('latin1', 0, nul) : '';
    const m = /^(blob|tree|commit|tag) (\d+)$/.exec(header);
    if (!m || Number(m[2]) !== data.length - nul - 1) throw new PackCorruptError(`loose object ${oid} has a bad header`);
    const type = Number(Object.keys(TYPE_NAMES).find((k) => TYPE_NAMES[Number(k)] === m[1]));
    return { type, bytes: data.subarray(nul + 1) };
  }

  private packed(oid: string): Resolved | undefined {
    const id = Buffer.from(oid, 'hex');
    for (const pack of this.packs) {
      try {
        const at = pack.offsetOf(id);
        if (at < 0) continue;
        return pack.objectAt(at);
      } catch (err) {
        throw new PackCorruptError(`cannot read object ${oid} from its pack: ${(err as Error).message}`);
      }
    }
    return undefined;
  }

  close(): void {
    for (const p of this.opened ?? []) p.close();
  }
}
