// The entities of a wildcard Read as one arena: the ReadResponse messages as
// they arrived, and per entity which message and where in it (12 bytes),
// instead of a Buffer view per entity (~100 B, and at 10^6 entities promoted
// to old space while the diff runs: most of a no-op sync's GC). The read
// side's normalisation happens here, once per entity, at wire level: an empty
// `meter_config {}` (what a switch asked for meter configs answers for an
// entry without one, entity-meter.ts) is dropped — the only copies made — and
// every entity is scanned, so malformed bytes from a switch throw WireError
// before anything is planned. The diff reads each entity without its
// provenance record straight into a scratch buffer (`strippedInto`).
import { WireError, WireReader, WIRE_LEN } from './wire.ts';
import { ENTITY_TABLE_ENTRY } from './entity-field.ts';
import { arenaOf, lazyArray } from '../shared/lazy-array.ts';

const METER_CONFIG = 6;
const METADATA = 11;

/** Live entities, read-only; see the top of this file. */
export class EntityList {
  /** @internal use EntityListBuilder */
  constructor(
    private readonly bufs: readonly Buffer[],
    /** Per entity: message index, start, end. */
    private readonly where: Uint32Array,
  ) {}

  get length(): number {
    return this.where.length / 3;
  }

  /** Entity k as a view into its message. */
  bytesOf(k: number): Buffer {
    const w = this.where;
    return this.bufs[w[3 * k]].subarray(w[3 * k + 1], w[3 * k + 2]);
  }

  private rd?: WireReader;
  private readonly site = newSite();

  /** Encoded length of entity k. */
  lengthOf(k: number): number {
    return this.where[3 * k + 2] - this.where[3 * k + 1];
  }

  /**
   * Entity k without TableEntry.metadata (the first occurrence, as
   * entity-metadata.ts `withoutMetadata` drops it), written at out[0..);
   * returns its length. `out` must hold `lengthOf(k)` bytes.
   */
  strippedInto(k: number, out: Uint8Array): number {
    const w = this.where;
    const b = this.bufs[w[3 * k]];
    const s = w[3 * k + 1];
    const e = w[3 * k + 2];
    this.rd = reader(this.rd, b);
    if (fieldSite(this.rd, s, e, METADATA, this.site)) return writeWithout(b, s, e, this.site, out, 0);
    for (let i = s; i < e; i++) out[i - s] = b[i];
    return e - s;
  }

  /** A `Buffer[]` view (shared/lazy-array.ts): each element a view made when read; `entityListOf` takes the arena back. */
  asArray(): readonly Buffer[] {
    return lazyArray(this.length, (k) => this.bytesOf(k), this);
  }
}

/** The arena behind a list made by `EntityList.asArray`; undefined for a plain array. */
export function entityListOf(list: readonly Buffer[]): EntityList | undefined {
  return arenaOf(list, (s): s is EntityList => s instanceof EntityList);
}

/** A reader over `b`: `last` when it reads `b` already (its cursor is set per entity), no object per entity. */
function reader(last: WireReader | undefined, b: Uint8Array): WireReader {
  return last?.buf === b ? last : new WireReader(b);
}

/** Where a TableEntry field sits: as entity-field.ts's site, plus where its value starts. */
interface Site {
  outerTag: number;
  ts: number;
  te: number;
  cut: number;
  resume: number;
  vs: number;
}
const newSite = (): Site => ({ outerTag: 0, ts: 0, te: 0, cut: 0, resume: 0, vs: 0 });

/** The length-delimited value at the reader's cursor: its start in r.pos, its end returned (no tuple per field). */
function valueEnd(r: WireReader): number {
  const len = r.varint();
  const end = r.pos + len;
  if (end > r.end) throw new WireError('length-delimited field runs past the end', { at: r.pos, len });
  return end;
}

/**
 * The first occurrence of TableEntry field `field` (length-delimited) in the
 * first table_entry of the entity at b[s, e) (entity-field.ts siteOf's rule),
 * into `site`; false when absent or not a table entry. The whole entity is
 * scanned either way, so malformed bytes throw WireError. Nothing allocated.
 */
function fieldSite(r: WireReader, s: number, e: number, field: number, site: Site): boolean {
  r.pos = s;
  r.end = e;
  let outerTag = s;
  while (r.next()) {
    if (r.fieldNo !== ENTITY_TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const te = valueEnd(r);
    const ts = r.pos;
    r.end = te;
    let tag = ts;
    let found = false;
    while (r.next()) {
      if (!found && r.fieldNo === field && r.wireType === WIRE_LEN) {
        const ve = valueEnd(r);
        found = true;
        site.outerTag = outerTag;
        site.ts = ts;
        site.te = te;
        site.cut = tag;
        site.vs = r.pos;
        site.resume = ve;
        r.pos = ve;
      } else r.skip();
      tag = r.pos;
    }
    r.pos = te;
    r.end = e;
    while (r.next()) r.skip();
    return found;
  }
  return false;
}

/** The entity at b[s, e) without the site's field, written at out[p..); returns the end. */
function writeWithout(b: Uint8Array, s: number, e: number, site: Site, out: Uint8Array, p: number): number {
  // [s, outerTag) tag(table_entry) len [ts, cut) [resume, e)
  const { outerTag, ts, te, cut, resume } = site;
  for (let i = s; i < outerTag; i++) out[p++] = b[i];
  out[p++] = (ENTITY_TABLE_ENTRY << 3) | WIRE_LEN;
  let len = te - ts - (resume - cut);
  while (len >= 0x80) {
    out[p++] = (len & 0x7f) | 0x80;
    len >>>= 7;
  }
  out[p++] = len;
  for (let i = ts; i < cut; i++) out[p++] = b[i];
  for (let i = resume; i < e; i++) out[p++] = b[i];
  return p;
}

/** Collects the entities of ReadResponse messages (or single entities) into an `EntityList`. */
export class EntityListBuilder {
  /** bufs[0] is the side arena of normalised copies, filled in at seal. */
  private readonly bufs: Buffer[] = [Buffer.alloc(0)];
  private side = Buffer.allocUnsafe(0);
  private sideLen = 0;
  private where = new Uint32Array(3 * 1024);
  private n = 0;
  private rd?: WireReader;
  private readonly site = newSite();

  private push(buf: number, s: number, e: number): void {
    if (3 * this.n + 3 > this.where.length) {
      const next = new Uint32Array(this.where.length * 2);
      next.set(this.where);
      this.where = next;
    }
    const w = this.where;
    w[3 * this.n] = buf;
    w[3 * this.n + 1] = s;
    w[3 * this.n + 2] = e;
    this.n++;
  }

  private addAt(buf: number, b: Buffer, s: number, e: number): void {
    this.rd = reader(this.rd, b);
    const site = this.site;
    if (!fieldSite(this.rd, s, e, METER_CONFIG, site) || site.vs !== site.resume) return this.push(buf, s, e);
    // An empty meter_config: the entity without it, into the side arena (metered tables only).
    if (this.sideLen + (e - s) > this.side.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * this.side.length, this.sideLen + (e - s), 1 << 12));
      this.side.copy(next, 0, 0, this.sideLen);
      this.side = next;
    }
    const at = this.sideLen;
    this.sideLen = writeWithout(b, s, e, site, this.side, at);
    this.push(0, at, this.sideLen);
  }

  /** The entities (field 1) of one encoded ReadResponse; the message is kept, not copied. */
  addResponse(msg: Buffer): void {
    const at = this.bufs.length;
    this.bufs.push(msg);
    const outer = new WireReader(msg);
    while (outer.next()) {
      if (outer.fieldNo !== 1 || outer.wireType !== WIRE_LEN) {
        outer.skip();
        continue;
      }
      const [s, e] = outer.lenRange();
      this.addAt(at, msg, s, e);
    }
  }

  /** One entity, normalised the same way. */
  add(entity: Buffer): void {
    this.bufs.push(entity);
    this.addAt(this.bufs.length - 1, entity, 0, entity.length);
  }

  get length(): number {
    return this.n;
  }

  seal(): EntityList {
    this.bufs[0] = this.side.subarray(0, this.sideLen);
    const list = new EntityList(this.bufs, this.where.slice(0, 3 * this.n));
    this.where = new Uint32Array(0); // the grown array is garbage now, even if the builder is not
    return list;
  }
}
