// What the desired stage hands to everything above it: per switch, the
// compiled state and the pipeline it is compiled against; or the problems
// (file:line) that stop the commit from being applied at all.
import type { SourcePos } from '../shared/errors.ts';
import type { DesiredState } from '../compile/types.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import type { FlowSpec, Target } from '../specs/schema.ts';
import type { SpecSet } from '../specs/spec-set.ts';
import type { SerialRecord } from '../specs/trust.ts';

/** One defect of a spec tree, where it is (spec-root-relative path). */
export interface SpecProblem {
  pos: SourcePos;
  field: string;
  message: string;
  code: string;
}

export interface PipelineFiles {
  /** Where the P4Info came from (repo path, config path, or the packed device-config file). */
  p4infoFile: string;
  index: P4InfoIndex;
  /** Device config bytes (empty when none is configured); a packed file is unpacked to its device config. */
  deviceConfig: Buffer;
  /** pipeline/cookie.ts over the P4Info and the device config: what the switch is compared by. */
  cookie: bigint;
}

export interface DesiredSet {
  /** Commit id of the tree ('' for a directory). */
  commit: string;
  /** What a person calls the tree (`HEAD~1@abc1234`, a directory). */
  label: string;
  /** The spec root inside the repository (problem paths are relative to it). */
  root: string;
  /** Everything that stops the tree from being applied, sorted by position. Empty = valid. */
  problems: SpecProblem[];
  /** Worth showing, never blocking (flow-id collisions, dropped expired flows; unsigned files when signatures: 'warn'). */
  warnings: SpecProblem[];
  /** Desired state per Target name (empty when there are problems). */
  states: Map<string, DesiredState>;
  /** The Target documents (plain, without source positions). */
  targets: Target[];
  pipelines: Map<string, PipelineFiles>;
  /** The loaded documents, only with `keepSpecs` (they hold YAML positions: more memory than the entries). */
  specs?: SpecSet;
  /** How many spec files (.yaml/.yml) counted. */
  specFiles: number;
  /** Earliest `expires` of a flow still in force (ms since epoch), if any. */
  nextExpiry?: number;
  compiledAt: Date;
  /** The flows and services in force, plain (for people: the web view, traffic words). Empty when there are problems. */
  flows: FlowSummary[];
  services: { tenant: string; name: string }[];
  /** With trust roots: each trusted signer's manifest serial and digest (what the reconciler remembers). */
  manifests?: SerialRecord;
}

/** A flow as people see it: `tenant/name`, its spec and where it is written. */
export interface FlowSummary {
  tenant: string;
  /** `tenant/name` (the compiled entries' origin name). */
  name: string;
  spec: FlowSpec;
  /** Spec-root-relative file and the line of its `metadata.name`. */
  file: string;
  line: number;
}
