// The zod schema of `flowops.config.yaml`: how the reconciler runs (where Git
// is, how often to look, what it may do), not what the network should be —
// that lives in the specs in Git. Every key carries a description; the help
// of `flowops run` is generated from this schema, so it documents every key.
import { z } from 'zod';
import { validateCronExpression } from 'cron';

const Cron = z
  .string()
  .check((ctx) => {
    const r = validateCronExpression(ctx.value);
    if (!r.valid) ctx.issues.push({ code: 'custom', input: ctx.value, message: `invalid cron expression: ${r.error?.message ?? 'unparseable'}` });
  });

const HostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, { error: 'must be host:port (IPv6 as [addr]:port)' });

export const RepoConfig = z
  .strictObject({
    url: z.string().regex(/^https?:\/\//, { error: 'must be an https:// URL' }).optional().meta({ description: 'remote repository (https); token from the environment variable named by tokenEnv' }),
    path: z.string().min(1).optional().meta({ description: 'local repository path instead of url (relative to the config file)' }),
    branch: z.string().min(1).default('main').meta({ description: 'branch whose tip is the desired state' }),
    dir: z.string().default('').meta({ description: 'folder inside the repository holding the specs (default: the whole repo)' }),
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default('FLOWOPS_GIT_TOKEN').meta({ description: 'environment variable holding the https token (never put the token in this file)' }),
    cacheDir: z.string().default('.flowops/git').meta({ description: 'where the shallow clone of url is kept (relative to the config file)' }),
  })
  .check((ctx) => {
    const v = ctx.value;
    if (!v.url === !v.path) ctx.issues.push({ code: 'custom', input: v, message: 'set exactly one of repo.url and repo.path', path: [] });
  })
  .meta({ description: 'the Git repository with the specs' });
export type RepoConfig = z.infer<typeof RepoConfig>;

export const Schedules = z
  .strictObject({
    sync: Cron.default('*/30 * * * * *').meta({ description: 'cron (with seconds) for fetch + converge' }),
    drift: Cron.default('15 * * * * *').meta({ description: 'cron for the drift scan (read switches, compare with the applied commit)' }),
    expiry: Cron.default('*/10 * * * * *').meta({ description: 'cron for removing flows whose `expires` has passed' }),
    counters: Cron.default('*/10 * * * * *').meta({ description: 'cron for reading the direct counters of every flow entry (traffic in the web view, plans and metrics)' }),
  })
  .meta({ description: 'when the loops run (six-field cron: sec min hour dom mon dow)' });

export const TargetOverride = z
  .strictObject({
    address: HostPort.optional().meta({ description: 'host:port used instead of the Target spec address' }),
    deviceId: z.int().min(0).optional().meta({ description: 'P4Runtime device id instead of the spec one' }),
    electionId: z.int().min(1).optional().meta({ description: 'election id for this switch only' }),
    enabled: z.boolean().default(true).meta({ description: 'false: never touch this switch' }),
  })
  .meta({ description: 'per-switch override, keyed by Target name' });

export const Config = z
  .strictObject({
    repo: RepoConfig,
    schedules: Schedules.default({ sync: '*/30 * * * * *', drift: '15 * * * * *', expiry: '*/10 * * * * *', counters: '*/10 * * * * *' }),
    mode: z.enum(['auto', 'plan-only']).default('auto').meta({ description: 'auto: write to switches; plan-only: compute and report plans, write nothing' }),
    drift: z
      .strictObject({
        policy: z.enum(['alert', 'heal']).default('alert').meta({ description: 'alert: report drift only; heal: restore the applied commit' }),
      })
      .default({ policy: 'alert' })
      .meta({ description: 'what to do when a switch differs from Git without a Git change' }),
    prune: z.boolean().default(true).meta({ description: 'delete entries in managed tables that Git does not declare' }),
    batch: z
      .strictObject({
        size: z.int().min(1).max(100_000).default(500).meta({ description: 'updates per P4Runtime Write request' }),
        maxBytes: z.int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024).meta({ description: 'bytes of updates per Write request (below the gRPC message limit)' }),
      })
      .default({ size: 500, maxBytes: 1024 * 1024 })
      .meta({ description: 'how writes are split into requests' }),
    electionId: z.int().min(1).optional().meta({ description: 'P4Runtime election id of this replica (default: the Target spec electionId, else 1); give replicas different ids, the highest is primary' }),
    targets: z.record(z.string(), TargetOverride).default({}).meta({ description: 'per-switch overrides keyed by Target name' }),
    http: z
      .strictObject({
        listen: HostPort.default('127.0.0.1:8080').meta({ description: 'address of /healthz, /readyz, /metrics, POST /sync (bearer token FLOWOPS_SYNC_TOKEN), POST /hooks/github; loopback by default, 0.0.0.0:8080 in a container' }),
      })
      .default({ listen: '127.0.0.1:8080' })
      .meta({ description: 'the HTTP server' }),
    metrics: z
      .strictObject({
        perFlow: z.boolean().default(false).meta({ description: 'also export per-flow packet/byte series (one series per flow and switch: mind the cardinality)' }),
        maxTenants: z.int().min(1).max(10_000).default(50).meta({ description: 'tenants with their own traffic series; the rest are summed under tenant="_other"' }),
      })
      .default({ perFlow: false, maxTenants: 50 })
      .meta({ description: 'what /metrics exports beyond the defaults' }),
    p4info: z.string().optional().meta({ description: 'P4Info file used when a Target has no pipeline.p4info (default: the bundled v1model one)' }),
    deviceConfig: z.string().optional().meta({ description: 'device config pushed with the P4Info (bmv2 JSON, Tofino binary)' }),
    tlsDir: z.string().optional().meta({ description: "folder a Target's tls.ca/cert/key are relative to and confined to (default: this file's folder); paths leading out of it are refused" }),
    trust: z
      .strictObject({
        operatorKeys: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, { error: 'must be a base64 ed25519 public key (from `flowops keygen`)' })).min(1)
          .meta({ description: 'pinned operator public keys: one of them signs manifests/operator.manifest (docs/trust.md)' }),
      })
      .optional()
      .meta({ description: 'trust roots: with them every file must be listed in its signer\'s signed manifest, and manifest serials never go down (kept in serials.json beside stateFile)' }),
    stateFile: z.string().default('.flowops/state.json').meta({ description: 'per-switch status (applied commit, last sync, drift) read by `flowops status`' }),
    github: z
      .strictObject({
        owner: z.string().optional().meta({ description: 'repository owner for checks and drift issues' }),
        repo: z.string().optional().meta({ description: 'repository name' }),
        appId: z.int().optional().meta({ description: 'GitHub App id (key from GITHUB_APP_PRIVATE_KEY; or GITHUB_TOKEN)' }),
        installationId: z.int().optional().meta({ description: 'GitHub App installation id' }),
        apiUrl: z.string().optional().meta({ description: 'API base URL (GitHub Enterprise)' }),
      })
      .optional()
      .meta({ description: 'reporting to GitHub (secrets come from the environment)' }),
  })
  .meta({ description: 'flowops.config.yaml' });
export type Config = z.infer<typeof Config>;
