// `flowops trace --target T PACKET`: walks a packet through a TypeScript model
// of the P4 program (src/model/trace.ts) over the switch's live tables (read
// back over P4Runtime, no arbitration needed for a Read) or over the compiled
// entries of a commit (--commit REF), printing each table, the entry that
// matched with its spec origin, and the verdict.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { write, type Command, type CommandContext } from '../command.ts';
import { FlowopsError } from '../../shared/errors.ts';
import { readDirTree } from '../../source/spec-tree.ts';
import { desiredState } from '../../desired/desired.ts';
import { entityKey } from '../../p4info/entity.ts';
import { P4RuntimeClient } from '../../p4rt/client.ts';
import { credentialsForTarget } from '../../p4rt/credentials.ts';
import { wildcardGroups, wildcardMembers, wildcardTable } from '../../p4rt/filters.ts';
import { decodeRows, type EntryInput } from '../../model/entries.ts';
import { parsePacket } from '../../model/packet.ts';
import { renderTrace, trace, TableModel } from '../../model/trace.ts';
import { describeProvenance } from '../../provenance/metadata.ts';
import { problemLines, readVersion } from '../spec-versions.ts';

const HELP = `Usage: flowops trace --target NAME [--repo DIR] [--commit REF] [--json] PACKET

Walks PACKET through a model of the P4 program and prints every table it
meets, the entry that matched (with the spec line it came from) and the
verdict: the egress port, the NF instances, or drop and why.

PACKET:   port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443
          port=3 vlan=101 2001:db8:101:1::5 -> 2001:db8:101:4::5 udp/53 sport=5353
          port=3 192.0.2.1 -> 10.1.4.5 vxlan vni=10101
          port=3 vlan=101 10.1.1.5 -> 10.1.10.10 icmp       (or proto=N)

Options:
  --target NAME  the switch (Target name in the specs)
  --repo DIR     the spec repo (default: the current directory)
  --commit REF   trace over the entries REF compiles to (a Git ref of DIR's
                 repository, or a directory) instead of the switch's live tables
  --p4info FILE  P4Info (default: the bundled one of the target's arch)
  --json         the trace as JSON

Exit status: 0 traced, 1 error.`;

export const command: Command = {
  name: 'trace',
  summary: "walk a packet through a switch's tables and say what happens to it",
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    let args;
    try {
      args = parseArgs({
        // `->` between addresses is part of a PACKET written as separate words, not an option.
        args: ctx.argv.map((a) => (a === '->' ? '→' : a)),
        allowPositionals: true,
        options: { target: { type: 'string' }, repo: { type: 'string' }, commit: { type: 'string' }, p4info: { type: 'string' }, json: { type: 'boolean', default: false }, now: { type: 'string' } },
      });
    } catch (err) {
      write(ctx.stderr, `flowops trace: ${(err as Error).message}\n\n${HELP}`);
      return 1;
    }
    const { values, positionals } = args;
    if (!values.target || !positionals.length) {
      write(ctx.stderr, `flowops trace: --target and a PACKET are required\n\n${HELP}`);
      return 1;
    }
    const now = values.now ? new Date(values.now) : new Date();
    const dir = path.resolve(ctx.cwd, values.repo ?? '.');
    const packets = positionals.some((p) => /\s/.test(p)) ? positionals : [positionals.join(' ')];
    const parsed = packets.map(parsePacket);
    // The commit (or directory) goes through desired/ like plan and the reconciler: the entries traced are the ones they write.
    const tree = values.commit ? await readVersion(dir, values.commit, ctx.cwd) : readDirTree(dir, values.repo ?? '.');
    const d = desiredState(tree, { now, p4info: values.p4info ? path.resolve(ctx.cwd, values.p4info) : undefined });
    if (d.problems.length) {
      for (const line of problemLines(d, values.commit ? `(in ${d.label}) ` : '')) write(ctx.stderr, line);
      return 1;
    }
    const target = d.targets.find((t) => t.metadata.name === values.target);
    if (!target) throw new FlowopsError('TARGET_NOT_FOUND', `no Target named '${values.target}' (known: ${d.targets.map((t) => t.metadata.name).join(', ')})`);
    const compiled = d.states.get(target.metadata.name)!;
    const index = d.pipelines.get(target.metadata.name)!.index;
    let entries: EntryInput[] = [...compiled.entries];
    if (!values.commit) {
      // Live: read back, and attribute each entry by the spec that compiles to the same key (its metadata says the rest).
      const client = new P4RuntimeClient({ address: target.spec.address, deviceId: target.spec.deviceId, electionId: 1n, role: target.spec.role, credentials: credentialsForTarget(target.spec, dir) });
      try {
        const filters = [...compiled.managedProfileIds.flatMap((id) => [wildcardMembers(id), wildcardGroups(id)]), ...compiled.managedTableIds.map(wildcardTable)];
        const live = await client.read(filters);
        const byKey = new Map(compiled.entries.map((e) => [e.key, e.origin]));
        entries = live.map((bytes) => ({ bytes, origin: byKey.get(entityKey(bytes)) }));
      } finally {
        await client.close();
      }
    }
    const model = new TableModel(decodeRows(entries, index));
    const traces = parsed.map((p) => trace(model, p));
    if (values.json) ctx.stdout.write(JSON.stringify(traces, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
    else for (const t of traces) ctx.stdout.write(renderTrace(t, (o, md) => `${o ? `${o.file}:${o.line} ${o.kind} ${o.name}` : 'not in Git'}${md ? ` [${describeProvenance(md)}]` : values.commit ? '' : ' [no metadata]'}`));
    return 0;
  },
};
