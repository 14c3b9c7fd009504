// Shared by the target tests: a small P4Info covering every match kind, an
// action profile with selector, direct counter/meter, scopes and a const
// default; a raw grpc-js P4Runtime client (protobufjs encoding, no src/p4rt)
// and helpers to build entities and read back p4.v1.Error details.
import grpc from '@grpc/grpc-js';
import { protoType } from '../../src/proto/load.ts';
import { parseTextProto } from '../../src/p4info/txtpb.ts';

export const T_EXACT = 0x02000001;
export const T_LPM = 0x02000002;
export const T_TERN = 0x02000003;
export const T_IND = 0x02000004;
export const T_CONST = 0x02000005;
export const T_BIG = 0x02000006;
export const A_DROP = 0x01000001;
export const A_SET = 0x01000002;
export const A_FWD = 0x01000003;
export const A_NOACTION = 0x01000004;
export const A_DEFONLY = 0x01000005;
export const PROFILE = 0x11000001;

export const P4INFO_TEXT = `
tables {
  preamble { id: 0x02000001 name: "ingress.t_exact" }
  match_fields { id: 1 name: "port" bitwidth: 9 match_type: EXACT }
  match_fields { id: 2 name: "vlan" bitwidth: 12 match_type: EXACT }
  action_refs { id: 0x01000002 }
  action_refs { id: 0x01000001 }
  action_refs { id: 0x01000005 scope: DEFAULT_ONLY }
  direct_resource_ids: [0x13000001, 0x15000001]
  size: 4
}
tables {
  preamble { id: 0x02000002 name: "ingress.t_lpm" }
  match_fields { id: 1 name: "tenant" bitwidth: 16 match_type: EXACT }
  match_fields { id: 2 name: "addr" bitwidth: 32 match_type: LPM }
  action_refs { id: 0x01000003 }
  action_refs { id: 0x01000002 scope: TABLE_ONLY }
  action_refs { id: 0x01000004 }
  size: 1024
}
tables {
  preamble { id: 0x02000003 name: "ingress.t_tern" }
  match_fields { id: 1 name: "proto" bitwidth: 8 match_type: TERNARY }
  match_fields { id: 2 name: "dport" bitwidth: 16 match_type: RANGE }
  match_fields { id: 3 name: "inport" bitwidth: 9 match_type: OPTIONAL }
  action_refs { id: 0x01000001 }
  action_refs { id: 0x01000002 }
  size: 100
}
tables {
  preamble { id: 0x02000004 name: "ingress.t_ind" }
  match_fields { id: 1 name: "flow" bitwidth: 32 match_type: EXACT }
  action_refs { id: 0x01000003 }
  action_refs { id: 0x01000004 scope: DEFAULT_ONLY }
  implementation_id: 0x11000001
  size: 100
}
tables {
  preamble { id: 0x02000005 name: "ingress.t_const" }
  match_fields { id: 1 name: "x" bitwidth: 8 match_type: EXACT }
  action_refs { id: 0x01000001 }
  const_default_action_id: 0x01000001
  size: 10
}
tables {
  preamble { id: 0x02000006 name: "ingress.t_big" }
  match_fields { id: 1 name: "k" bitwidth: 32 match_type: EXACT }
  action_refs { id: 0x01000002 }
  size: 2000000
}
actions { preamble { id: 0x01000001 name: "ingress.drop" } }
actions { preamble { id: 0x01000002 name: "ingress.set_val" } params { id: 1 name: "v" bitwidth: 16 } }
actions {
  preamble { id: 0x01000003 name: "ingress.fwd" }
  params { id: 1 name: "port" bitwidth: 9 }
  params { id: 2 name: "mac" bitwidth: 48 }
}
actions { preamble { id: 0x01000004 name: "NoAction" } }
actions { preamble { id: 0x01000005 name: "ingress.defonly" } }
action_profiles {
  preamble { id: 0x11000001 name: "ingress.sel" }
  table_ids: 0x02000004
  with_selector: true
  size: 8
  max_group_size: 4
}
direct_counters { preamble { id: 0x13000001 name: "ingress.cnt" } spec { unit: BOTH } direct_table_id: 0x02000001 }
direct_meters { preamble { id: 0x15000001 name: "ingress.mtr" } spec { unit: BYTES } direct_table_id: 0x02000001 }
`;

export function p4infoObject(text = P4INFO_TEXT): Record<string, unknown> {
  return parseTextProto(text, protoType('p4.config.v1.P4Info'), { file: 'fixture' });
}

export function p4infoBytes(text = P4INFO_TEXT): Buffer {
  const t = protoType('p4.config.v1.P4Info');
  return Buffer.from(t.encode(t.fromObject(p4infoObject(text))).finish());
}

const enc = (type: string, obj: object) => {
  const t = protoType(type);
  return Buffer.from(t.encode(t.fromObject(obj)).finish());
};
const dec = (type: string) => (b: Buffer) => protoType(type).toObject(protoType(type).decode(b), { longs: String, bytes: Buffer as any, defaults: false, oneofs: true }) as any;

// ---- entity builders (plain objects, protobufjs fromObject shapes) ----------

export const b = (...bytes: number[]) => Buffer.from(bytes);
export const exact = (field_id: number, value: Buffer) => ({ field_id, exact: { value } });
export const lpm = (field_id: number, value: Buffer, prefix_len: number) => ({ field_id, lpm: { value, prefix_len } });
export const ternary = (field_id: number, value: Buffer, mask: Buffer) => ({ field_id, ternary: { value, mask } });
export const range = (field_id: number, low: Buffer, high: Buffer) => ({ field_id, range: { low, high } });
export const optional = (field_id: number, value: Buffer) => ({ field_id, optional: { value } });
export const action = (action_id: number, ...params: Buffer[]) => ({ action: { action_id, params: params.map((value, i) => ({ param_id: i + 1, value })) } });

export function tableEntry(table_id: number, match: object[], act?: object, extra: Record<string, unknown> = {}) {
  return { table_entry: { table_id, match, ...(act ? { action: act } : {}), ...extra } };
}
export const exactEntry = (port: number, vlan: number, v = 1) => tableEntry(T_EXACT, [exact(1, b(port)), exact(2, b(vlan))], action(A_SET, b(v)));
export const member = (member_id: number, port = 1) => ({ action_profile_member: { action_profile_id: PROFILE, member_id, action: action(A_FWD, b(port), b(1)).action } });
export const group = (group_id: number, members: Array<[number, number]>, max_size = 0) => ({
  action_profile_group: { action_profile_id: PROFILE, group_id, members: members.map(([member_id, weight]) => ({ member_id, weight })), ...(max_size ? { max_size } : {}) },
});
export const encodeEntity = (e: object) => enc('p4.v1.Entity', e);
export const decodeEntity = dec('p4.v1.Entity');

// ---- client -----------------------------------------------------------------

export type Update = ['INSERT' | 'MODIFY' | 'DELETE', object];

export interface UpdateError { canonical_code: number; message: string }
export interface WriteResult { code: number; details: string; errors: UpdateError[] }

/** Parses grpc-status-details-bin into the p4.v1.Error list. */
export function updateErrors(err: grpc.ServiceError): UpdateError[] {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw) return [];
  const st = dec('google.rpc.Status')(raw as Buffer);
  return (st.details ?? []).map((a: any) => {
    if (a.type_url !== 'type.googleapis.com/p4.v1.Error') throw new Error(`unexpected detail ${a.type_url}`);
    const e = dec('p4.v1.Error')(a.value ?? Buffer.alloc(0));
    return { canonical_code: e.canonical_code ?? 0, message: e.message ?? '' };
  });
}

export class TestClient {
  readonly client: grpc.Client;
  constructor(readonly address: string, readonly deviceId = 1, public electionId = 1) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  }
  close(): void {
    this.client.close();
  }
  private unary(method: string, reqType: string, resType: string, req: object): Promise<any> {
    return new Promise((resolve, reject) =>
      this.client.makeUnaryRequest(`/p4.v1.P4Runtime/${method}`, (o: object) => enc(reqType, o), dec(resType), req, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }
  /** Resolves with code 0, or the error code and per-update errors (never rejects on a gRPC error). */
  async write(updates: Update[], opts: { atomicity?: string; electionId?: number | null; deviceId?: number; role?: string } = {}): Promise<WriteResult> {
    const eid = opts.electionId === undefined ? this.electionId : opts.electionId;
    const req = {
      device_id: opts.deviceId ?? this.deviceId,
      ...(eid === null ? {} : { election_id: { high: 0, low: eid } }),
      role: opts.role ?? '',
      atomicity: opts.atomicity ?? 'CONTINUE_ON_ERROR',
      updates: updates.map(([type, entity]) => ({ type, entity })),
    };
    try {
      await this.unary('Write', 'p4.v1.WriteRequest', 'p4.v1.WriteResponse', req);
      return { code: 0, details: '', errors: [] };
    } catch (err) {
      const e = err as grpc.ServiceError;
      return { code: e.code, details: e.details, errors: updateErrors(e) };
    }
  }
  async writeOk(updates: Update[]): Promise<void> {
    const r = await this.write(updates);
    if (r.code !== 0) throw new Error(`write failed: ${r.details} ${JSON.stringify(r.errors)}`);
  }
  /** Raw ReadResponse messages (byte lengths are what the chunking test checks). */
  readRaw(entities: object[], deviceId = this.deviceId, role = ''): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const req = { device_id: deviceId, entities, ...(role ? { role } : {}) };
      const call = this.client.makeServerStreamRequest('/p4.v1.P4Runtime/Read', (o: object) => enc('p4.v1.ReadRequest', o), (x: Buffer) => x, req);
      const out: Buffer[] = [];
      call.on('data', (m: Buffer) => out.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }
  /** Entities read back, as canonical bytes (hex), in order. */
  async read(entities: object[], role = ''): Promise<Buffer[]> {
    const chunks = await this.readRaw(entities, this.deviceId, role);
    return chunks.flatMap((c) => (protoType('p4.v1.ReadResponse').decode(c) as any).entities.map((e: any) => Buffer.from(protoType('p4.v1.Entity').encode(e).finish())));
  }
  setPipeline(action: string, opts: { p4info?: Buffer; cookie?: number; deviceConfig?: Buffer; electionId?: number; deviceId?: number; role?: string } = {}): Promise<void> {
    const P4Info = protoType('p4.config.v1.P4Info');
    const config = opts.p4info || opts.cookie !== undefined
      ? {
          ...(opts.p4info ? { p4info: P4Info.toObject(P4Info.decode(opts.p4info)) } : {}),
          ...(opts.deviceConfig ? { p4_device_config: opts.deviceConfig } : {}),
          ...(opts.cookie !== undefined ? { cookie: { cookie: opts.cookie } } : {}),
        }
      : undefined;
    return this.unary('SetForwardingPipelineConfig', 'p4.v1.SetForwardingPipelineConfigRequest', 'p4.v1.SetForwardingPipelineConfigResponse', {
      device_id: opts.deviceId ?? this.deviceId,
      election_id: { high: 0, low: opts.electionId ?? this.electionId },
      action,
      ...(opts.role ? { role: opts.role } : {}),
      ...(config ? { config } : {}),
    });
  }
  getPipeline(response_type = 'ALL'): Promise<any> {
    return this.unary('GetForwardingPipelineConfig', 'p4.v1.GetForwardingPipelineConfigRequest', 'p4.v1.GetForwardingPipelineConfigResponse', { device_id: this.deviceId, response_type });
  }
  /** Opens StreamChannel and sends an arbitration update; `updates` collects what the server sends. */
  arbitrate(electionId: number | null = this.electionId, opts: { deviceId?: number; role?: string; roleConfig?: { type_url: string; value: Buffer } } = {}): Stream {
    const call = this.client.makeBidiStreamRequest('/p4.v1.P4Runtime/StreamChannel', (o: object) => enc('p4.v1.StreamMessageRequest', o), dec('p4.v1.StreamMessageResponse'));
    const s = new Stream(call);
    s.send(electionId, opts.deviceId ?? this.deviceId, opts.role ?? '', opts.roleConfig);
    return s;
  }
}

export class Stream {
  readonly updates: any[] = [];
  status?: grpc.StatusObject;
  private waiters: Array<() => void> = [];
  constructor(readonly call: grpc.ClientDuplexStream<object, any>) {
    call.on('data', (m: any) => { this.updates.push(m.arbitration); this.wake(); });
    call.on('status', (st: grpc.StatusObject) => { this.status = st; this.wake(); });
    call.on('error', () => this.wake());
  }
  send(electionId: number | null, deviceId: number, role: string, roleConfig?: { type_url: string; value: Buffer }): void {
    const r = role || roleConfig ? { role: { name: role, ...(roleConfig ? { config: roleConfig } : {}) } } : {};
    this.call.write({ arbitration: { device_id: deviceId, ...r, ...(electionId === null ? {} : { election_id: { high: 0, low: electionId } }) } });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  /** Waits until `pred` holds (checked on every message/status), failing after 5 s. */
  async until<T>(pred: () => T | undefined | false, what = 'condition'): Promise<T> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; updates=${JSON.stringify(this.updates)} status=${JSON.stringify(this.status)}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }
  /** The latest arbitration status code the server sent. */
  async latestCode(n: number): Promise<number> {
    await this.until(() => this.updates.length >= n, `${n} arbitration updates`);
    return this.updates[this.updates.length - 1].status?.code ?? 0;
  }
  end(): void {
    this.call.end();
  }
  cancel(): void {
    this.call.cancel();
  }
}
