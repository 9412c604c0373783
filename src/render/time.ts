// Time with chrony. Both nodes follow the same upstream servers, peer with each other over the
// replication link, and keep an orphan local reference so they still agree with each other when the
// upstream servers are unreachable (an offline rack has none at all).
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { addressOf, parseCidr, subnetText } from "../answer/ipv4.js";
import { MANAGED, file, lines } from "./text.js";
import { RELEASE_TRAITS, type Release } from "./release.js";
import type { RenderFamily } from "./types.js";

/** pairboot's main chrony config; Debian's /etc/chrony/chrony.conf is ucf's and stays as installed. */
export const CHRONY_MAIN_PATH = "/etc/chrony/pairboot.conf";
export const CHRONY_DROPIN_PATH = "/etc/systemd/system/chrony.service.d/50-pairboot.conf";

/**
 * The main config: Debian's defaults without its `pool 2.debian.pool.ntp.org` line, which would make the
 * two nodes follow different internet servers (or wait on DNS in an offline rack). Our sources live in
 * conf.d/pairboot.conf. A conf.d file cannot take the pool out of Debian's chrony.conf, and that file is
 * installed through ucf (an edit there turns every chrony upgrade into a question), so chronyd is pointed
 * at this file instead (chronyDropin).
 */
function mainConfig(release: Release): string {
  return lines(
    MANAGED,
    "confdir /etc/chrony/conf.d",
    "sourcedir /run/chrony-dhcp",
    "sourcedir /etc/chrony/sources.d",
    "keyfile /etc/chrony/chrony.keys",
    "driftfile /var/lib/chrony/chrony.drift",
    "ntsdumpdir /var/lib/chrony",
    "logdir /var/log/chrony",
    "maxupdateskew 100.0",
    "rtcsync",
    RELEASE_TRAITS[release].chronyLeapSeconds,
  );
}

/**
 * Debian's chrony.service runs `chronyd $DAEMON_OPTS` (from /etc/default/chrony); the same command with
 * `-f` reads pairboot's main config (the last -f wins), keeping whatever options the admin set there.
 */
function chronyDropin(): string {
  return lines(
    MANAGED,
    "[Service]",
    "ExecStart=",
    `ExecStart=!/usr/sbin/chronyd $DAEMON_OPTS -f ${CHRONY_MAIN_PATH}`,
  );
}

/** `pool` for names that are DNS pools (several addresses), `server` for one machine. */
function sourceLine(server: string): string {
  return /(^|\.)pool\.ntp\.org$/.test(server) ? `pool ${server} iburst` : `server ${server} iburst`;
}

export function clusterConfig(spec: ClusterSpec, node: NodeSpec): string {
  const peer = spec.nodes.find((n) => n.name !== node.name);
  if (!peer) throw new Error(`no peer for node ${node.name}`);
  return lines(
    MANAGED,
    spec.time.servers.map(sourceLine),
    `peer ${addressOf(peer.repl)} iburst`,
    // Orphan mode: when no upstream is reachable, the node with the lower reference id serves the other
    // at stratum 10 instead of both drifting apart.
    "local stratum 10 orphan",
    `allow ${subnetText(parseCidr(node.repl))}`,
    "makestep 1 3",
  );
}

export function render(spec: ClusterSpec, node: NodeSpec, release: Release): RenderFamily {
  return {
    files: [
      file(CHRONY_MAIN_PATH, mainConfig(release)),
      file(CHRONY_DROPIN_PATH, chronyDropin()),
      file("/etc/chrony/conf.d/pairboot.conf", clusterConfig(spec, node)),
    ],
    enable: ["chrony.service"],
  };
}
