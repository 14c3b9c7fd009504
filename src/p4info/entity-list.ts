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
import { WireReader, WIRE_LEN } from './wire.ts';
import { FOUND, findTableEntryField, newFieldSite, writeSpliced } from './entity-field.ts';
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
  private readonly site = newFieldSite();

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
    if (findTableEntryField(this.rd, s, e, METADATA, this.site) === FOUND) return writeSpliced(b, s, e, this.site, METADATA, undefined, out, 0);
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

/** Collects the entities of ReadResponse messages (or single entities) into an `EntityList`. */
export class EntityListBuilder {
  /** bufs[0] is the side arena of normalised copies, filled in at seal. */
  private readonly bufs: Buffer[] = [Buffer.alloc(0)];
  private side = Buffer.allocUnsafe(0);
  private sideLen = 0;
  private where = new Uint32Array(3 * 1024);
  private n = 0;
  private rd?: WireReader;
  private readonly site = newFieldSite();

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
    if (findTableEntryField(this.rd, s, e, METER_CONFIG, site) !== FOUND || site.vs !== site.resume) return this.push(buf, s, e);
    // An empty meter_config: the entity without it, into the side arena (metered tables only).
    if (this.sideLen + (e - s) > this.side.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * this.side.length, this.sideLen + (e - s), 1 << 12));
      this.side.copy(next, 0, 0, this.sideLen);
      this.side = next;
    }
    const at = this.sideLen;
    this.sideLen = writeSpliced(b, s, e, site, METER_CONFIG, undefined, this.side, at);
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
