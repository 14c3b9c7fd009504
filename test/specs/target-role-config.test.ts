// Target.spec.roleConfig: the format of the role's config (flowops or Stratum's),
// defaulting to flowops; canPushPipeline only means something in Stratum's
// format, and a config needs a role. Mistakes point at the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, baseRepo, errorLines, TARGET } from './fixtures.ts';
import { loadSpecs } from '../../src/specs/load.ts';

function withTarget(extra: string): { text: string; files: Map<string, string> } {
  const text = TARGET + extra;
  const files = baseRepo();
  files.set('targets/leaf1.yaml', text);
  return { text, files };
}

test('roleConfig: format defaults to flowops; stratum takes canPushPipeline and receivesPacketIns', () => {
  const { files } = withTarget('  role: flowops\n  roleConfig: { receivesPacketIns: true }\n');
  const r = loadSpecs(files, { now: new Date('2026-01-01T00:00:00Z') });
  assert.deepEqual(r.errors.map(String), []);
  assert.deepEqual(r.specs.targets[0]!.spec.roleConfig, { format: 'flowops', receivesPacketIns: true });

  const s = withTarget('  role: flowops\n  roleConfig:\n    format: stratum\n    canPushPipeline: true\n');
  const rs = loadSpecs(s.files, { now: new Date('2026-01-01T00:00:00Z') });
  assert.deepEqual(rs.errors.map(String), []);
  assert.deepEqual(rs.specs.targets[0]!.spec.roleConfig, { format: 'stratum', canPushPipeline: true });
});

test('roleConfig mistakes: unknown format, canPushPipeline in flowops format, a config without a role', () => {
  const bad = withTarget('  role: flowops\n  roleConfig: { format: onos }\n');
  assert.deepEqual(errorLines(bad.files), [`targets/leaf1.yaml:${at(bad.text, 'onos')} spec.roleConfig.format: "onos" is not allowed; expected "flowops", "stratum"`]);

  const push = withTarget('  role: flowops\n  roleConfig:\n    canPushPipeline: true\n');
  const errs = errorLines(push.files);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, new RegExp(`^targets/leaf1\\.yaml:${at(push.text, 'true')} spec\\.roleConfig\\.canPushPipeline: only with format: stratum`));

  const noRole = withTarget('  roleConfig: { format: stratum }\n');
  const e2 = errorLines(noRole.files);
  assert.equal(e2.length, 1);
  assert.match(e2[0]!, new RegExp(`^targets/leaf1\\.yaml:${at(noRole.text, '{ format')} spec\\.roleConfig: needs a role`));
});
