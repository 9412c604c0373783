// NFS server files for an active/passive pair. Heartbeat starts and stops nfs-kernel-server, so the
// unit is disabled at boot (never masked: the init-script shim then exits 0 and nothing is served).
import type { ClusterSpec, ExportSpec, NodeSpec } from "../answer/schema.js";
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

export function renderExports(spec: ClusterSpec): RenderedFile {
  const lines = spec.nfs.exports.map(exportLine);
  return {
    path: "/etc/exports",
    content: `# Written by pairboot; identical on both nodes. Served only by the active node.\n${lines.join("\n")}\n`,
    mode: 0o644,
  };
}

export const SCOPE_DROPIN_PATH = "/etc/systemd/system/nfs-server.service.d/50-pairboot-scope.conf";

/**
 * nfsd takes its NFSv4 server scope from the UTS nodename. Both nodes must present the same scope or
 * clients cannot reclaim their locks after a takeover, so rpc.nfsd runs in its own UTS namespace under
 * the cluster-wide scope name. The node's own hostname stays untouched.
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
 * starts no server; the NFS server scope is still taken when rpc.nfsd starts it.
 */
export function renderNfsdModuleUnit(): RenderedFile {
  const content = `# Written by pairboot: nfsd ready before a takeover needs it (nfs-server itself stays off).
[Unit]
Description=pairboot: load the nfsd kernel module ahead of a takeover
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/modprobe nfsd

[Install]
WantedBy=multi-user.target
`;
  return { path: `/etc/systemd/system/${NFSD_MODULE_UNIT}`, content, mode: 0o644 };
}

export function render(spec: ClusterSpec, _node: NodeSpec): RenderFamily {
  return {
    files: [renderExports(spec), renderScopeDropin(spec), renderNfsdModuleUnit()],
    enable: [NFSD_MODULE_UNIT],
    disable: ["nfs-server.service"],
  };
}
