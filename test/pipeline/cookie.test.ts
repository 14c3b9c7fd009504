// The cookie identifies exactly one (P4Info, device config) pair: stable for
// the same meaning whatever format the P4Info was read from, different as soon
// as either part changes, and the first 8 bytes of SHA-256 as documented.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { tempDir, P4_DIR } from './cli.ts';
import { protoType } from '../../src/proto/load.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { pipelineCookie, canonicalP4InfoBytes, formatCookie } from '../../src/pipeline/cookie.ts';

const TXT = path.join(P4_DIR, 'flowops_tna.p4info.txtpb');

describe('pipeline cookie', () => {
  let dir: string;
  const device = randomBytes(2048);
  before(() => {
    dir = tempDir('cookie');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is the first 8 bytes of SHA-256 over canonical P4Info then device config', () => {
    const info = loadP4InfoFile(TXT);
    const encoded = protoType('p4.config.v1.P4Info').encode(info).finish();
    const digest = createHash('sha256').update(encoded).update(device).digest();
    assert.equal(pipelineCookie(info, device), BigInt('0x' + digest.subarray(0, 8).toString('hex')));
    assert.equal(formatCookie(pipelineCookie(info, device)), '0x' + digest.subarray(0, 8).toString('hex'));
  });

  it('is the same for the same P4Info read from text, binary and JSON, and across calls', () => {
    const info = loadP4InfoFile(TXT);
    const t = protoType('p4.config.v1.P4Info');
    fs.writeFileSync(path.join(dir, 'p4info.pb'), t.encode(info).finish());
    fs.writeFileSync(path.join(dir, 'p4info.json'), JSON.stringify(t.toObject(info, { longs: String, enums: String, bytes: String })));
    const fromText = pipelineCookie(loadP4InfoFile(TXT), device);
    assert.equal(pipelineCookie(loadP4InfoFile(TXT), device), fromText);
    assert.equal(pipelineCookie(loadP4InfoFile(path.join(dir, 'p4info.pb')), device), fromText);
    assert.equal(pipelineCookie(loadP4InfoFile(path.join(dir, 'p4info.json')), device), fromText);
    assert.equal(pipelineCookie(canonicalP4InfoBytes(info), device), fromText, 'encoded bytes in, same cookie out');
  });

  it('changes when one bit of the device config or one size in the P4Info changes', () => {
    const info = loadP4InfoFile(TXT);
    const base = pipelineCookie(info, device);
    const flipped = Buffer.from(device);
    flipped[1000] ^= 0x01;
    assert.notEqual(pipelineCookie(info, flipped), base);

    const t = protoType('p4.config.v1.P4Info');
    const o = t.toObject(info, { longs: String, enums: String }) as any;
    o.tables[0].size = String(Number(o.tables[0].size) + 1);
    assert.notEqual(pipelineCookie(t.fromObject(o), device), base);
    assert.notEqual(pipelineCookie(loadP4InfoFile(path.join(P4_DIR, 'flowops_v1model.p4info.txtpb')), device), base);
  });
});
