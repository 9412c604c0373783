// NFS server files for an active/passive pair. Heartbeat starts and stops nfs-kernel-server, so the
// unit is disabled at boot (never masked: the init-script shim then exits 0 and nothing is served).
// nfs-utils installs /etc/nfs.conf, /etc/exports, /etc/idmapd.conf and /etc/default/nfs-* through ucf
// (both releases), so pairboot never writes them: its settings go into drop-in files the tools read
// besides them (/etc/nfs.conf.d/, /etc/exports.d/), which a package upgrade leaves alone.
import type { ClusterSpec, ExportSpec, NodeSpec } from "../answer/schema.js";
import { RELEASE_TRAITS, type Release } from "./release.js";
import { MANAGED, file, lines } from "./text.js";
import type { RenderFamily, RenderedFile } from "./types.js";

/** One exports(5) line. The fsid is fixed so file handles stay valid when the other node takes over. */
export function exportLine(e: ExportSpec): string {
  if (e.options.some((o) => o.startsWith("fsid="))) {
    throw new Error(`export ${e.path}: set the fsid with the export's 'fsid' key, not in its options`);
  }
  const opts = [...e.options];
  if (!opts.includes("subtree_check") && !opts.includes("no_subtree_check")) opts.push("no_subtree_check");
  opts.push(`fsid=${e.fsid}`);
  // No space between the client and '(': with a space the options would apply to the whole world.
  return `${e.path} ${e.clients}(${opts.join(",")})`;
}

/** exportfs reads /etc/exports and then every /etc/exports.d/*.exports (the name must end so). */
export const EXPORTS_PATH = "/etc/exports.d/pairboot.exports";

export function renderExports(spec: ClusterSpec): RenderedFile {
  const lines = spec.nfs.exports.map(exportLine);
  return {
    path: EXPORTS_PATH,
    content: `# Written by pairboot; identical on both nodes. Served only by the active node.\n${lines.join("\n")}\n`,
    mode: 0o644,
  };
}

/** nfs.conf(5) reads /etc/nfs.conf, then /etc/nfs.conf.d/*.conf, later values winning. */
export const NFS_CONF_PATH = "/etc/nfs.conf.d/pairboot.conf";

/**
 * The nfsd settings both nodes share. rpc.nfsd (bookworm) and nfsdctl autostart (trixie) read [nfsd];
 * the kernel takes lease and grace time only while nfsd is stopped, which is when Heartbeat starts it.
 */
export function renderNfsConf(spec: ClusterSpec, release: Release): RenderedFile {
  const { threads, lease_time, grace_time, scope } = spec.nfs;
  const scoped = RELEASE_TRAITS[release].nfsScope === "nfs.conf";
  return file(
    NFS_CONF_PATH,
    lines(
      MANAGED,
      "[nfsd]",
      `threads=${threads}`,
      "# Short lease and grace for a fast takeover: clients reclaim their state on the new node within the",
      "# grace period, which ends early once every client recorded by nfsdcld (on the replicated filesystem)",
      "# has reclaimed.",
      `lease-time=${lease_time}`,
      `grace-time=${grace_time}`,
      scoped && [
        "# One NFSv4 server scope on both nodes, or clients cannot reclaim their state after a takeover.",
        `scope=${scope}`,
      ],
    ),
  );
}

export const LOCKD_CONF_PATH = "/etc/modprobe.d/pairboot-lockd.conf";
/** lockd rounds its grace period up to a multiple of nlm_timeout; 5 s (default 10) keeps it close. */
export const NLM_TIMEOUT = 5;
/** lockd refuses an nlm_grace_period above 240 s and would then not load at all (fs/lockd/svc.c). */
export const NLM_GRACE_MAX = 240;

/** The NLM grace period lockd will run with for the given grace time, in seconds. */
export function nlmGraceSeconds(graceTime: number): number {
  const period = Math.min(graceTime, NLM_GRACE_MAX);
  return Math.ceil(period / NLM_TIMEOUT) * NLM_TIMEOUT;
}

/**
 * NFSv3 locks (NLM) have a grace period of their own, 50 s by default (5 x nlm_timeout), and a new lock
 * (NFSv4 included) waits until every lock manager is out of grace: without this file new locks waited
 * 50 s after a takeover in the lab, whatever grace-time said. bookworm's rpc.nfsd never passes grace-time
 * on to lockd, nor does trixie's nfsdctl 2.8.3 (its lockd setup sends nothing; fixed upstream in 2.8.4), so
 * it is a module option, read when the pairboot-nfsd-module unit (or a takeover) loads nfsd and with it
 * lockd.
 */
export function renderLockdConf(spec: ClusterSpec): RenderedFile {
  const grace = Math.min(spec.nfs.grace_time, NLM_GRACE_MAX);
  return file(
    LOCKD_CONF_PATH,
    lines(
      MANAGED,
      `# NLM grace = nfs.grace_time (at most ${NLM_GRACE_MAX} s), rounded up to a multiple of nlm_timeout.`,
      `options lockd nlm_grace_period=${grace} nlm_timeout=${NLM_TIMEOUT}`,
    ),
  );
}

export const SCOPE_DROPIN_PATH = "/etc/systemd/system/nfs-server.service.d/50-pairboot-scope.conf";

/**
 * Bookworm only (RELEASE_TRAITS.nfsScope): rpc.nfsd 2.6 takes the NFSv4 server scope from the UTS
 * nodename. Both nodes must present the same scope or clients cannot reclaim their locks after a takeover,
 * so rpc.nfsd runs in its own UTS namespace under the cluster-wide scope name. The node's own hostname
 * stays untouched.
 */
export function renderScopeDropin(spec: ClusterSpec): RenderedFile {
  const content = `# Written by pairboot: the same NFS server scope (${spec.nfs.scope}) on both nodes.
[Service]
ExecStart=
ExecStart=/usr/bin/unshare --uts /bin/sh -c 'hostname ${spec.nfs.scope} && exec /usr/sbin/rpc.nfsd'
`;
  return { path: SCOPE_DROPIN_PATH, content, mode: 0o644 };
}

export const NFSD_MODULE_UNIT = "pairboot-nfsd-module.service";

/**
 * Load nfsd (with lockd, sunrpc, ...) once a node is up, on both nodes. Otherwise the first nfs-server start
 * on a node loads it in the middle of a takeover: mounting /proc/fs/nfsd took 12 s of B's takeover in the
 * lab (TCG). Not through modules-load.d: that loads it early in boot, where module loading holds up udev's
 * device probing (the lab's nodes then timed out waiting for the ESP's by-uuid link). Loading the module
 * starts no server; the NFS server scope is still taken when nfsd is started.
 */
export function renderNfsdModuleUnit(): RenderedFile {
  const content = `# Written by pairboot: nfsd ready before a takeover needs it (nfs-server itself stays off).
[Unit]
Description=pairboot: load the nfsd kernel module ahead of a takeover
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/modprobe nfsd

[Install]
WantedBy=multi-user.target
`;
  return { path: `/etc/systemd/system/${NFSD_MODULE_UNIT}`, content, mode: 0o644 };
}

export function render(spec: ClusterSpec, _node: NodeSpec, release: Release): RenderFamily {
  const scopeDropin = RELEASE_TRAITS[release].nfsScope === "uts-namespace";
  return {
    files: [
      renderExports(spec),
      renderNfsConf(spec, release),
      renderLockdConf(spec),
      ...(scopeDropin ? [renderScopeDropin(spec)] : []),
      renderNfsdModuleUnit(),
    ],
    enable: [NFSD_MODULE_UNIT],
    disable: ["nfs-server.service"],
  };
}
