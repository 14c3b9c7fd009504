// `flowops target`: runs the bundled spec-enforcing P4Runtime target until
// SIGINT/SIGTERM, optionally with a P4Info preloaded, a state file and the
// admin HTTP endpoint that tests use to drive it from another process.
import path from 'node:path';
import { UsageError, write, type Command } from '../command.ts';
import { createLogger } from '../../shared/log.ts';
import { startTarget } from '../../target/server.ts';
import { startAdmin } from '../../target/admin.ts';
import { QUIRKS, isQuirk } from '../../target/quirks.ts';

const help = `flowops target: run the bundled P4Runtime target (a spec-enforcing software switch)

Usage: flowops target [options]

Options:
  --listen HOST:PORT   gRPC address (default 127.0.0.1:9559, P4Runtime's usual port; port 0 picks one)
  --device-id N        P4Runtime device id (default 1)
  --p4info FILE        P4Info (text .txtpb or binary) installed at start, e.g. p4/flowops_v1model.p4info.txtpb
  --state FILE         keep tables, pipeline and cookie in FILE across restarts
  --admin-port N       serve the JSON test hooks on 127.0.0.1:N (0 picks a port)
  --tls-cert FILE      serve TLS with this PEM certificate (needs --tls-key)
  --tls-key FILE       PEM private key of --tls-cert
  --tls-client-ca FILE require client certificates signed by this CA (mutual TLS)
  --quirk NAME         emulate a real target's gap; repeatable. NAME is one of:
                         no-atomic            ROLLBACK_ON_ERROR/DATAPLANE_ATOMIC writes → UNIMPLEMENTED
                         no-modify            MODIFY updates → UNIMPLEMENTED (per update)
                         api-1.3              Capabilities says 1.3.0; role names are ignored
                         single-read-message  answer each Read in one message, like BMv2
  --api-version V      version Capabilities reports (default 1.4.0, or 1.3.0 with --quirk api-1.3)
  -h, --help           this help

Prints the listening address (and the admin URL), then runs until SIGINT or SIGTERM.`;

function parse(argv: string[]) {
  const opts: {
    listen: string; deviceId: bigint; p4info?: string; state?: string; adminPort?: number;
    tlsCert?: string; tlsKey?: string; tlsClientCa?: string; quirks: string[]; apiVersion?: string;
  } = {
    listen: '127.0.0.1:9559',
    deviceId: 1n,
    quirks: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--listen': opts.listen = value(); break;
      case '--device-id': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new UsageError(`--device-id must be a non-negative integer, got '${v}'`);
        opts.deviceId = BigInt(v);
        break;
      }
      case '--p4info': opts.p4info = value(); break;
      case '--state': opts.state = value(); break;
      case '--admin-port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`--admin-port must be a port number, got '${v}'`);
        opts.adminPort = Number(v);
        break;
      }
      case '--tls-cert': opts.tlsCert = value(); break;
      case '--tls-key': opts.tlsKey = value(); break;
      case '--tls-client-ca': opts.tlsClientCa = value(); break;
      case '--quirk': {
        const v = value();
        if (!isQuirk(v)) throw new UsageError(`--quirk: unknown quirk '${v}' (known: ${QUIRKS.join(', ')})`);
        opts.quirks.push(v);
        break;
      }
      case '--api-version': {
        const v = value();
        if (!/^\d+\.\d+\.\d+/.test(v)) throw new UsageError(`--api-version must look like 1.4.0, got '${v}'`);
        opts.apiVersion = v;
        break;
      }
      default: throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (!!opts.tlsCert !== !!opts.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
  if (opts.tlsClientCa && !opts.tlsCert) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key');
  if (!/:\d+$/.test(opts.listen)) throw new UsageError(`--listen must be HOST:PORT, got '${opts.listen}'`);
  return opts;
}

export const command: Command = {
  name: 'target',
  summary: 'run the bundled P4Runtime target (a software switch)',
  help,
  async run(ctx) {
    const opts = parse(ctx.argv);
    const logger = createLogger({ base: { component: 'target' }, sink: (line) => ctx.stderr.write(line + '\n') });
    const target = await startTarget({
      address: opts.listen,
      deviceId: opts.deviceId,
      p4infoFile: opts.p4info && path.resolve(ctx.cwd, opts.p4info),
      persistFile: opts.state && path.resolve(ctx.cwd, opts.state),
      logger,
      quirks: opts.quirks,
      apiVersion: opts.apiVersion,
      tls: opts.tlsCert && opts.tlsKey
        ? {
            certFile: path.resolve(ctx.cwd, opts.tlsCert),
            keyFile: path.resolve(ctx.cwd, opts.tlsKey),
            clientCaFile: opts.tlsClientCa && path.resolve(ctx.cwd, opts.tlsClientCa),
          }
        : undefined,
    });
    const admin = opts.adminPort !== undefined ? await startAdmin(target.state, opts.adminPort, target.address) : undefined;
    const extras = [
      target.state.pipeline ? 'pipeline loaded' : 'no pipeline',
      opts.tlsClientCa ? 'mutual TLS' : opts.tlsCert ? 'TLS' : 'plaintext',
      `P4Runtime ${target.apiVersion}`,
      ...opts.quirks.map((q) => `quirk ${q}`),
    ];
    write(ctx.stdout, `flowops target: listening on ${target.address} (device ${opts.deviceId}, ${extras.join(', ')})`);
    if (admin) write(ctx.stdout, `flowops target: admin on ${admin.url}`);
    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    await admin?.close();
    await target.stop();
    write(ctx.stdout, 'flowops target: stopped');
    return 0;
  },
};
