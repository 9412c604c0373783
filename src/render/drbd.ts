// DRBD 8.4 configuration (the in-kernel module is 8.4.11; drbd-utils 9.22 drives it through drbdadm-84),
// so every option uses 8.4 syntax: fencing and resync-rate in disk{}, protocol in net{}, no syncer{}.
// Both nodes get byte-identical files: each names both hosts in its own `on` section.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import type { RenderFamily, RenderedFile } from "./types.js";
import { DATA_PARTITION, hostPart, requireSecret } from "./ha-common.js";
import { RELEASE_TRAITS, type Release } from "./release.js";
import { drbdFencing } from "./stonith.js";

export const GLOBAL_COMMON_PATH = "/etc/drbd.d/global_common.conf";

export function resourcePath(spec: ClusterSpec): string {
  return `/etc/drbd.d/${spec.drbd.resource}.res`;
}

export function renderGlobalCommon(spec: ClusterSpec): RenderedFile {
  const secret = requireSecret(spec.drbd.shared_secret, "drbd.shared_secret");
  const fencing = drbdFencing(spec);
  const content = `# Written by pairboot; identical on both nodes.
global {
	usage-count no;
}
common {
	handlers {
		# ${fencing.comment}
		fence-peer "${fencing.handler}";
		split-brain "/usr/lib/drbd/notify-split-brain.sh root";
	}
	startup {
		# Finite waits: the default 0 blocks boot forever when the peer is down.
		wfc-timeout 120;
		degr-wfc-timeout 60;
		outdated-wfc-timeout 60;
	}
	disk {
		on-io-error detach;
		fencing ${fencing.policy};
		resync-rate ${spec.drbd.resync_rate};
		# Fixed resync rate instead of the dynamic controller: predictable on a dedicated link.
		c-plan-ahead 0;
	}
	net {
		protocol C;
		cram-hmac-alg sha1;
		shared-secret "${secret}";
		# Recover automatically only when no data can be lost; otherwise stay disconnected.
		after-sb-0pri discard-zero-changes;
		after-sb-1pri consensus;
		after-sb-2pri disconnect;
		verify-alg sha1;
		# Notice a dead peer within about 4 s (ping every 3 s, 1 s to answer), well inside the
		# retries drbddisk makes after heartbeat's deadtime. timeout must stay below ping-int.
		ping-int 3;
		ping-timeout 10;
		timeout 25;
	}
}
`;
  // dopd runs drbdadm as hacluster, so the file is group-readable for haclient (see chrootCommands),
  // and nobody else may read the shared secret.
  return { path: GLOBAL_COMMON_PATH, content, mode: 0o640, secret: true };
}

export function renderResource(spec: ClusterSpec): RenderedFile {
  const { resource, device, port } = spec.drbd;
  const hosts = spec.nodes.map((n) => `	on ${n.name} {\n		address ${hostPart(n.repl)}:${port};\n	}\n`).join("");
  const content = `# Written by pairboot; identical on both nodes.
resource ${resource} {
	device    ${device};
	# By GPT partition label, so the disk's kernel name does not matter.
	disk      ${DATA_PARTITION};
	meta-disk internal;
${hosts}}
`;
  return { path: resourcePath(spec), content, mode: 0o644 };
}

/**
 * The set-uid helpers dopd (running as hacluster) needs to outdate the peer's disk, at the paths dpkg owns
 * them by in the release (RELEASE_TRAITS). Shell lines that are safe to run again: an existing override is
 * left alone.
 */
export function statOverrideCommands(release: Release): string[] {
  return RELEASE_TRAITS[release].dopdHelpers.map(
    (p) =>
      `dpkg-statoverride --list ${p} >/dev/null || dpkg-statoverride --update --add root haclient 4750 ${p}`,
  );
}

export function render(spec: ClusterSpec, _node: NodeSpec, release: Release): RenderFamily {
  return {
    files: [renderGlobalCommon(spec), renderResource(spec)],
    // Under heartbeat v1 drbd.service brings the resource up at boot; drbddisk only promotes/demotes.
    enable: ["drbd.service"],
    chrootCommands: [`chown root:haclient ${GLOBAL_COMMON_PATH}`, ...statOverrideCommands(release)],
  };
}
