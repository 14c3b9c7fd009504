// Read-only arrays whose elements are made when read. Volume lives in arenas
// (a plan's inserts are positions in the desired entries, a wildcard Read's
// entities are ranges of its responses); a million objects made up front to
// hand them over as arrays were hundreds of MiB and seconds of GC. These views
// are real arrays to whoever reads them (Array.isArray, indexing, spreads,
// map/filter, JSON), hold no element, and let the code that knows the arena
// take it back (`arenaOf`) and work on it without making any.
const sources = new WeakMap<object, unknown>();

function indexOf(prop: string | symbol): number {
  if (typeof prop !== 'string') return -1;
  const c = prop.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const k = Number(prop);
  return Number.isInteger(k) && String(k) === prop ? k : -1;
}

function readOnly(): never {
  throw new TypeError('an arena-backed array is read-only');
}

/** An array of `n` elements, element k being `make(k)` (a fresh value on every read); `source` is what `arenaOf` gives back. */
export function lazyArray<T>(n: number, make: (k: number) => T, source: object): readonly T[] {
  // An empty array as the target (a holey one of length n costs 8 bytes an
  // element): Array.isArray and the prototype (map, filter, the iterator…)
  // come from it; `length` and the elements from here. The target's length is
  // writable, so reporting another one keeps the Proxy invariants.
  const view = new Proxy<T[]>([], {
    get(t, prop, recv) {
      const k = indexOf(prop);
      if (k >= 0) return k < n ? make(k) : undefined;
      if (prop === 'length') return n;
      return Reflect.get(t, prop, recv);
    },
    has(t, prop) {
      const k = indexOf(prop);
      return k >= 0 ? k < n : Reflect.has(t, prop);
    },
    getOwnPropertyDescriptor(t, prop) {
      const k = indexOf(prop);
      if (k >= 0) return k < n ? { value: make(k), writable: false, enumerable: true, configurable: true } : undefined;
      if (prop === 'length') return { value: n, writable: true, enumerable: false, configurable: false };
      return Reflect.getOwnPropertyDescriptor(t, prop);
    },
    ownKeys(t) {
      const keys: (string | symbol)[] = [];
      for (let k = 0; k < n; k++) keys.push(String(k));
      for (const k of Reflect.ownKeys(t)) keys.push(k);
      return keys;
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  });
  sources.set(view, source);
  return view;
}

/** The source a `lazyArray` was made over, when `list` is one and `is` recognizes it. */
export function arenaOf<S>(list: object, is: (s: unknown) => s is S): S | undefined {
  const s = sources.get(list);
  return is(s) ? s : undefined;
}
