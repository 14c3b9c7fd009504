// A desired set as plain data, entries byte for byte in emission order with
// each entry's origin: what "the same result" means when a warm desired stage
// (desired/patch.ts) is compared with a cold one.
import type { DesiredSet } from '../../src/desired/types.ts';

export const exactly = (s: DesiredSet) => ({
  problems: s.problems,
  warnings: s.warnings,
  flows: s.flows.map((f) => JSON.stringify(f)),
  services: s.services,
  targets: s.targets,
  specFiles: s.specFiles,
  nextExpiry: s.nextExpiry,
  specs: s.specs && Object.fromEntries(Object.entries(s.specs).map(([k, v]) => [k, (v as { metadata: unknown; spec: unknown }[]).map((d) => JSON.stringify([d.metadata, d.spec]))])),
  pipelines: [...s.pipelines].map(([n, p]) => [n, p.p4infoFile, p.cookie]),
  states: [...s.states].map(([n, st]) => {
    const e = st.entries;
    return {
      n,
      arena: e.arena.toString('hex'),
      keys: e.keyArena.toString('hex'),
      columns: [[...e.offs], [...e.koffs], [...e.owner], [...e.order]],
      origins: Array.from({ length: e.length }, (_, i) => e.originOf(i)),
      managed: [st.managedTableIds, st.managedProfileIds],
    };
  }),
});
