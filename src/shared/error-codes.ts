// Every stable error code flowops raises and the one error class that carries
// it. Machines, tests and the GitHub reporter match on the code; the class
// says which layer raised it (a class of a higher folder is named, not
// imported, so this table stays at the bottom of the layering).
// test/shared/error-codes.test.ts reads every error constructed with a literal code in src/ and
// fails on a code missing here, raised by another class, or listed but unused.
//
// Families with computed codes: `SPEC_*`, `SIG_*`, `TRUST_*` and `CAPACITY_*` (specs/codes.ts) are
// SpecError; `P4RT_<gRPC code>` is a P4Runtime status: P4RuntimeError as the
// client sees it, TargetError as the bundled target raises it. `VERIFY_<CHECK>`
// (verify/specs.ts) names a verify finding shown as a spec problem; never thrown.

export const ERROR_CLASSES = {
  ACTION_DEFAULT_ONLY: 'EncodeError',
  ACTION_NEEDS_PROFILE: 'EncodeError',
  ACTION_TABLE_ONLY: 'EncodeError',
  BAD_ADDRESS: 'EncodeError',
  BAD_VALUE: 'EncodeError',
  CONFIG_INVALID: 'ConfigError',
  CONFIG_MISSING: 'ConfigError',
  CONFIG_UNREADABLE: 'ConfigError',
  CONFIG_YAML: 'ConfigError',
  DEFAULT_WITH_MATCH: 'EncodeError',
  DIR_NOT_FOUND: 'ConfigError',
  DUPLICATE_MEMBER: 'EncodeError',
  EMPTY_MATCH: 'EncodeError',
  FLOW_ID_EXHAUSTED: 'FlowopsError',
  FLOW_ID_KEY: 'FlowopsError',
  FLOW_ID_MISSING: 'FlowopsError',
  GITHUB_APP_INCOMPLETE: 'ConfigError',
  GITHUB_AUTH_MISSING: 'ConfigError',
  GITHUB_NEEDS_REPO_URL: 'ConfigError',
  GIT_FETCH_FAILED: 'GitSourceError',
  GIT_NOT_A_COMMIT: 'GitSourceError',
  GIT_NO_COMMIT: 'GitSourceError',
  GIT_PACK_CORRUPT: 'GitSourceError',
  GIT_REF_NOT_FOUND: 'GitSourceError',
  GIT_TREE_UNREADABLE: 'GitSourceError',
  GROUP_TOO_LARGE: 'EncodeError',
  ID_SPACE_FULL: 'FlowopsError',
  KEY_DIR_MISSING: 'ConfigError',
  KEY_EXISTS: 'ConfigError',
  KEY_INVALID: 'ConfigError',
  LPM_HOST_BITS: 'EncodeError',
  MATCH_KIND: 'EncodeError',
  MISSING_ACTION: 'EncodeError',
  MISSING_MATCH: 'EncodeError',
  MISSING_PARAM: 'EncodeError',
  NOT_A_REPO: 'ConfigError',
  NO_ACTION_PROFILE: 'EncodeError',
  NO_DIRECT_METER: 'EncodeError',
  NO_SELECTOR: 'EncodeError',
  OUT_OF_RANGE: 'EncodeError',
  PIPELINE_ARCH_MISMATCH: 'PipelineError',
  PIPELINE_BF_CONF_INVALID: 'PipelineError',
  PIPELINE_BF_CONF_MISSING: 'PipelineError',
  PIPELINE_BF_FILE_MISSING: 'PipelineError',
  PIPELINE_BMV2_JSON_INVALID: 'PipelineError',
  PIPELINE_CONFIG_INVALID: 'PipelineError',
  PIPELINE_FILE_MISSING: 'PipelineError',
  PIPELINE_FILE_NOT_IN_REPO: 'FlowopsError',
  PIPELINE_MISMATCH: 'PipelineMismatchError',
  PIPELINE_MISSING: 'PipelineMismatchError',
  PIPELINE_OUT_INVALID: 'PipelineError',
  PIPELINE_PACKED_MISMATCH: 'FlowopsError',
  PIPELINE_PUSH_DENIED: 'PipelineMismatchError',
  PRIORITY_NOT_ALLOWED: 'EncodeError',
  PRIORITY_REQUIRED: 'EncodeError',
  PR_FETCH_FAILED: 'PrFetchError',
  ROLE_UNSUPPORTED: 'RoleUnsupportedError',
  SIGN_MIXED_TENANTS: 'SignError',
  SIGN_NO_FLOWS: 'SignError',
  SIGN_OUTSIDE_REPO: 'SignError',
  SIGN_UNKNOWN_TENANT: 'SignError',
  SIGN_WRONG_KEY: 'SignError',
  /** Several spec errors at once (each a SpecError). */
  SPEC_INVALID: 'SpecErrors',
  SWITCH_NOT_CONNECTED: 'FlowopsError',
  TARGET_NOT_FOUND: 'FlowopsError',
  TARGET_STATE_INVALID: 'ConfigError',
  TERNARY_VALUE_NOT_MASKED: 'EncodeError',
  TLS_BAD_PEM: 'TlsConfigError',
  TLS_FILE_UNREADABLE: 'TlsConfigError',
  TLS_KEY_MISMATCH: 'TlsConfigError',
  TRACE_PACKET: 'PacketSyntaxError',
  TLS_OPTIONS: 'TlsConfigError',
  TLS_PATH_OUTSIDE: 'TlsConfigError',
  TRUST_FILE: 'ConfigError',
  TXTPB_INVALID: 'TextProtoError',
  UNSUPPORTED_ACTION: 'EncodeError',
  UNSUPPORTED_MATCH: 'EncodeError',
  WIRE_MALFORMED: 'WireError',
  WRITE_FAILED: 'WriteError',
} as const;

export type ErrorCode = keyof typeof ERROR_CLASSES;

export const ERROR_FAMILIES: readonly { prefix: string; classes: readonly string[] }[] = [
  { prefix: 'SPEC_', classes: ['SpecError'] },
  { prefix: 'SIG_', classes: ['SpecError'] },
  { prefix: 'TRUST_', classes: ['SpecError'] },
  { prefix: 'CAPACITY_', classes: ['SpecError'] },
  { prefix: 'P4RT_', classes: ['P4RuntimeError', 'TargetError'] },
];

/** The classes that may raise `code` (empty for a code flowops does not raise). */
export function errorClassesOf(code: string): readonly string[] {
  const one = (ERROR_CLASSES as Record<string, string>)[code];
  return one ? [one] : (ERROR_FAMILIES.find((f) => code.startsWith(f.prefix))?.classes ?? []);
}
