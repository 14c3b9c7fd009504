// Stable codes of spec errors and warnings: tests, `validate --json` and the
// GitHub reporter match on these, never on message text.

export const Codes = {
  /** YAML syntax error (or a yaml warning, when reported as a warning). */
  yaml: 'SPEC_YAML',
  /** A spec file over the size limit (specs/limits.ts). */
  fileTooLarge: 'SPEC_FILE_TOO_LARGE',
  /** Collections nested deeper than the limit. */
  tooDeep: 'SPEC_TOO_DEEP',
  /** More alias expansions than the limit (an alias bomb). */
  aliasLimit: 'SPEC_ALIAS_LIMIT',
  /** Anything else that stopped a file from loading (never an exception out of the loader). */
  unreadable: 'SPEC_UNREADABLE',
  /** A document that is not `{ apiVersion, kind, metadata, spec }` of a known kind. */
  kind: 'SPEC_KIND',
  /** A field breaks the kind's schema (type, range incl. ports, format, unknown or missing field). */
  schema: 'SPEC_SCHEMA',
  duplicateName: 'SPEC_DUPLICATE_NAME',
  duplicateTenantId: 'SPEC_DUPLICATE_TENANT_ID',
  duplicateVlan: 'SPEC_DUPLICATE_VLAN',
  duplicateVni: 'SPEC_DUPLICATE_VNI',
  prefixOverlap: 'SPEC_PREFIX_OVERLAP',
  duplicateRoute: 'SPEC_DUPLICATE_ROUTE',
  unknownTenant: 'SPEC_UNKNOWN_TENANT',
  unknownService: 'SPEC_UNKNOWN_SERVICE',
  unknownRole: 'SPEC_UNKNOWN_ROLE',
  crossTenant: 'SPEC_CROSS_TENANT',
  addressOutsideTenant: 'SPEC_ADDRESS_OUTSIDE_TENANT',
  duplicateAddress: 'SPEC_DUPLICATE_ADDRESS',
  portsRequired: 'SPEC_PORTS_REQUIRED',
  portsForbidden: 'SPEC_PORTS_FORBIDDEN',
  flowOverlap: 'SPEC_FLOW_OVERLAP',
  noSuchFunction: 'SPEC_NO_SUCH_FUNCTION',
  targetPortVlan: 'SPEC_TARGET_PORT_VLAN',
  duplicateDevice: 'SPEC_DUPLICATE_DEVICE',
  flowExpired: 'SPEC_FLOW_EXPIRED',
  /** A symlink where a spec or signature file would be: symlinks are not followed (docs/specs.md). */
  symlink: 'SPEC_SYMLINK',
  /** Warning: two flows hashed to the same id; the later one took another counter. */
  flowIdCollision: 'SPEC_FLOW_ID_COLLISION',
  /** A Service binds to a contract its tenant does not have, or to a role the contract does not define. */
  unknownContract: 'SPEC_UNKNOWN_CONTRACT',
  unknownContractRole: 'SPEC_UNKNOWN_CONTRACT_ROLE',
  /** More services in a role than the contract's topology allows, or one service in two roles of one contract. */
  contractCardinality: 'SPEC_CONTRACT_CARDINALITY',
  sigMissing: 'SIG_MISSING',
  sigBad: 'SIG_BAD',
  sigOtherTenant: 'SIG_OTHER_TENANT',
  sigMixedTenants: 'SIG_MIXED_TENANTS',
  /** Trust model (specs/trust.ts, docs/trust.md). */
  manifestBad: 'TRUST_MANIFEST_BAD',
  manifestMissing: 'TRUST_MANIFEST_MISSING',
  manifestSignature: 'TRUST_SIGNATURE',
  manifestSigner: 'TRUST_UNKNOWN_SIGNER',
  manifestOwner: 'TRUST_WRONG_SIGNER',
  manifestDigest: 'TRUST_DIGEST',
  manifestMissingFile: 'TRUST_LISTED_FILE_MISSING',
  manifestUnlisted: 'TRUST_UNSIGNED_FILE',
  manifestRollback: 'TRUST_ROLLBACK',
  /** More entries than a switch table holds, or than a tenant's quota on the Target. */
  capacity: 'CAPACITY_TABLE_FULL',
  quota: 'CAPACITY_QUOTA',
} as const;
