// The answer file's shape: one YAML file for the whole two-node cluster.
// Every object is strict (an unknown or misspelt key is an error, never silently dropped), and every
// default is filled here so the rest of the engine sees one fully specified ClusterSpec.
// Every value that reaches a config file or a script is bounded here to what its consuming tool accepts
// (characters, length, range); cross-field rules (unique names, subnets, timings) live in crosscheck.ts.
// No pattern here has a nested quantifier: a hostile value must be refused in linear time.
import { z } from "zod";
import { describeSecret, describeValue, expected, expectedSecret } from "./messages.js";
import { parseIpv4, specialAddress } from "./ipv4.js";
import { pathProblem } from "./paths.js";
import { sshKeyProblem } from "./sshkey.js";
import { exportOptionConflicts, exportOptionProblem } from "./exportopts.js";
import { localeSyntaxOk, zoneSyntaxOk } from "./zones.js";

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const IFNAME = /^[a-z][a-z0-9]{0,14}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const SIZE = /^(\d{1,20}(\.\d{1,20})?)\s?(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?$/;
const DURATION = /^(\d{1,20})(ms|s|m)?$/;
const EXPORT_OPTION = /^[a-z_]+(=[A-Za-z0-9:_.-]+)?$/;
const RESYNC_RATE = /^\d{1,10}[KMG]?$/;
const DRBD_DEVICE = /^\/dev\/drbd\d{1,7}$/;
// Printable text without control characters, for values pairboot only compares and shows (disk serials).
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/** Interface names the kernel or ifupdown keep for themselves (lo; all and default in /proc/sys/net). */
export const RESERVED_IFNAMES = ["lo", "all", "default"];
/** glibc's resolver reads the first three nameserver lines (MAXNS) and ignores the rest. */
export const DNS_MAX = 3;
export const TIME_SERVERS_MAX = 8;
/** The largest disk a selector can name: beyond any disk sold, and exact in a double. */
export const SIZE_MAX_BYTES = 1024 ** 5;
/** Upper bounds of heartbeat's timings: beyond these a failover would wait longer than anyone means. */
export const HEARTBEAT_MAX_MS = {
  keepalive: 60_000,
  warntime: 300_000,
  deadtime: 300_000,
  initdead: 1_800_000,
};

const UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

/** "5GiB", "500MB", "1.5TiB" or a plain number of bytes -> bytes. */
export function parseSize(text: string | number): number {
  if (typeof text === "number") return text;
  const m = SIZE.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Math.round(Number(m[1]) * (UNITS[m[3] ?? "B"] ?? 1));
}

/** "1s", "500ms", "2m" or a plain number of seconds -> milliseconds. */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") return text * 1000;
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

/** Bytes -> the shortest exact text in any unit ("5GiB", "2TB"), or a plain count of bytes. */
export function formatSize(bytes: number): string {
  let best = `${bytes}B`;
  let bestCount = bytes;
  for (const [unit, factor] of Object.entries(UNITS)) {
    if (bytes >= factor && bytes % factor === 0 && bytes / factor < bestCount) {
      best = `${bytes / factor}${unit}`;
      bestCount = bytes / factor;
    }
  }
  return best;
}

/** Milliseconds -> "2m", "10s" or "500ms", whichever is exact. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

type Ctx = z.core.$RefinementCtx<unknown>;

// zod runs a length check on any value with a .length, so a string where a list belongs would also get
// "at most 3 items"; these run a bound only on the type it is meant for.
const onList = { when: (p: { value: unknown }) => Array.isArray(p.value) };
const onText = { when: (p: { value: unknown }) => typeof p.value === "string" };
/** A bound's message, run only on a list. */
function listBound(allowed: string) {
  return { ...expected(allowed), ...onList };
}
/** A bound's message, run only on text. */
function textBound(allowed: string) {
  return { ...expected(allowed), ...onText };
}

/** Adds the schema's usual "expected ..., got ..." issue from a check that returns what is allowed. */
function refuse(ctx: Ctx, value: unknown, allowed: string | undefined, suffix = ""): void {
  if (allowed !== undefined)
    ctx.addIssue({
      code: "custom",
      message: `expected ${allowed}, got ${describeValue(value)}${suffix}`,
      input: value,
    });
}

const HOSTNAME_PHRASE =
  "a host name: lower-case letters, digits and '-', 1 to 63 characters, not starting or ending with '-'";
const hostname = z.string().regex(HOSTNAME, expected(HOSTNAME_PHRASE));

/** A DNS name checked label by label: each label a host name (any case), the whole at most `max` characters. */
function dnsNameOk(name: string, max: number): boolean {
  return name.length <= max && name.split(".").every((label) => HOSTNAME.test(label.toLowerCase()));
}

const MAC_PHRASE = "a MAC address like 52:54:00:12:34:56";
const mac = z
  .string()
  .regex(MAC, expected(MAC_PHRASE))
  .superRefine((text, ctx) => {
    const first = Number.parseInt(text.slice(0, 2), 16);
    if (/^(00:){5}00$/.test(text)) refuse(ctx, text, "the MAC address of a NIC", ", the all-zero address");
    else if (first % 2 === 1)
      refuse(ctx, text, "the MAC address of a NIC", ", a multicast address (its first byte is odd)");
  })
  .transform((s) => s.toLowerCase());
const IFNAME_PHRASE = "an interface name: a lower-case letter, then letters or digits, at most 15 characters";
const ifname = z
  .string()
  .regex(IFNAME, expected(IFNAME_PHRASE))
  .superRefine((name, ctx) => {
    if (RESERVED_IFNAMES.includes(name))
      refuse(
        ctx,
        name,
        `an interface name other than ${RESERVED_IFNAMES.join(", ")}`,
        ", which the kernel reserves",
      );
  });

/** A node, service, gateway, DNS or ping address must be one a host can have. */
function unicast(address: string, text: string, ctx: Ctx): void {
  const what = specialAddress(parseIpv4(address));
  if (what) refuse(ctx, text, "a unicast host address", `, which is ${what}`);
}
const ipv4 = z
  .string()
  .regex(IPV4, expected("an IPv4 address like 192.168.42.254"))
  .superRefine((text, ctx) => unicast(text, text, ctx));
const cidr4 = z
  .string()
  .regex(CIDR4, expected("an IPv4 address with prefix length, like 192.168.42.1/24"))
  .superRefine((text, ctx) => unicast(text.split("/")[0] ?? text, text, ctx));
const absPath = z.string().superRefine((text, ctx) => refuse(ctx, text, pathProblem(text)));

/** Text pairboot only compares and shows (disk serial, model, DMI serial): printable, bounded. */
function label(what: string, max: number) {
  return z
    .string()
    .min(1, textBound(`${what} of at least 1 character`))
    .max(max, textBound(`${what} of at most ${max} characters`))
    .regex(PRINTABLE, expected(`${what} without control characters`));
}

const SIZE_PHRASE = "a size like 5GiB, 512MiB or 20GB, or a number of bytes";
const size = z
  .union(
    [
      z.number().int(expected(SIZE_PHRASE)).positive(expected(SIZE_PHRASE)),
      z.string().regex(SIZE, expected(SIZE_PHRASE)),
    ],
    expected(SIZE_PHRASE),
  )
  .superRefine((v, ctx) => {
    if (typeof v === "string" ? !SIZE.test(v.trim()) : !(Number.isSafeInteger(v) && v > 0)) return; // the union said it
    const bytes = parseSize(v);
    if (bytes < 1) refuse(ctx, v, `${SIZE_PHRASE}, above 0`);
    else if (bytes > SIZE_MAX_BYTES) refuse(ctx, v, `a size of at most ${formatSize(SIZE_MAX_BYTES)}`);
  })
  .transform((v) => parseSize(v));
const DURATION_PHRASE = "a duration like 500ms, 10s or 2m, or a number of seconds";
/** A duration above 0 and at most `maxMs`: heartbeat takes 0 for "never" and a huge value verbatim. */
function duration(maxMs: number) {
  return z
    .union(
      [
        z.number().int(expected(DURATION_PHRASE)).positive(expected(DURATION_PHRASE)),
        z.string().regex(DURATION, expected(DURATION_PHRASE)),
      ],
      expected(DURATION_PHRASE),
    )
    .superRefine((v, ctx) => {
      if (typeof v === "string" ? !DURATION.test(v.trim()) : !(Number.isSafeInteger(v) && v > 0)) return; // the union said it
      const ms = parseDuration(v);
      if (ms < 1) refuse(ctx, v, `${DURATION_PHRASE}, above 0`);
      else if (ms > maxMs) refuse(ctx, v, `at most ${formatDuration(maxMs)}`);
    })
    .transform((v) => parseDuration(v));
}

/** A secret: a string of the given length and alphabet; its value never appears in a message. */
function secret(min: number, max: number) {
  return z
    .string({ error: (issue) => `expected a string, got ${describeSecret(issue.input)}` })
    .min(min, { ...expectedSecret(`at least ${min} characters`), ...onText })
    .max(max, { ...expectedSecret(`at most ${max} characters`), ...onText })
    .regex(/^[A-Za-z0-9+/=_-]+$/, expectedSecret("letters, digits and + / = _ - only"));
}

// DRBD 8.4 limits: minors below 2^20, resync-rate in KiB/s from 1 to 4 GiB/s.
const DRBD_MINOR_MAX = 1_048_575;
const RESYNC_MAX_KIB = 4 * 1024 * 1024;
/** "100M" -> 102400: DRBD reads a bare number as KiB/s. */
function resyncKiB(rate: string): number {
  const factor = { K: 1, M: 1024, G: 1024 * 1024 }[rate.slice(-1)];
  return factor === undefined ? Number(rate) : Number(rate.slice(0, -1)) * factor;
}
/** So that node-a.DOMAIN stays within DNS's 253 characters with a 63-character host name. */
const DOMAIN_MAX = 189;

export const DiskSelector = z
  .strictObject({
    serial: label("a disk serial", 128).optional().describe("the disk's serial number, as lsblk shows it"),
    by_id: label("a /dev/disk/by-id/ name", 255).optional().describe("a /dev/disk/by-id/ name or path"),
    model: label("a disk model", 128).optional().describe("the disk model; a trailing * matches any suffix"),
    path: z
      .string()
      .max(64, textBound("a device path of at most 64 characters"))
      .regex(/^\/dev\/[a-z0-9/_-]+$/, expected("a device path like /dev/sda"))
      .optional()
      .describe("a kernel device path; unstable across boots, prefer serial or by_id"),
    min_size: size.optional().describe("the smallest acceptable disk"),
    max_size: size.optional().describe("the largest acceptable disk"),
  })
  .describe("Which disk to install onto. All given fields must match; exactly one disk may match.");

export const NodeMatch = z
  .strictObject({
    mac: z
      .array(mac)
      .max(16, listBound("at most 16 MACs"))
      .default([])
      .describe("a machine is this node when any of its NICs has one of these MACs"),
    dmi_serial: label("a DMI serial", 128).optional().describe("or when its DMI system serial equals this"),
  })
  .describe("How a booted machine recognises itself as this node; defaults to the MACs of its NICs.");

// IPMI limits: a user name of at most 16 bytes; a password of at most 16 bytes over IPMI 1.5 (lan) and 20
// over IPMI 2.0 (lanplus). The password is one word in ha.cf's stonith_host line, so no blank and no '#';
// quotes, '\\', '$' and '`' are refused too so that no shell that ever handles it can misread it.
const BMC_USER = /^[A-Za-z0-9._-]{1,16}$/;
const BMC_PASSWORD = /^[A-Za-z0-9!%+,./:=?@^_~-]+$/;
export const BMC_PASSWORD_MAX = { lan: 16, lanplus: 20 } as const;

export const BmcSpec = z
  .strictObject({
    address: ipv4.describe(
      "the BMC's IPv4 address; the peer reaches it on the LAN subnet or on network.management.subnet",
    ),
    user: z
      .string()
      .regex(BMC_USER, expected("an IPMI user name: letters, digits, '.', '_' or '-', 1 to 16 characters"))
      .describe("the BMC user pairboot fences with; it needs the operator privilege (power control) only"),
    password: z
      .string({ error: (issue) => `expected a string, got ${describeSecret(issue.input)}` })
      .min(1, { ...expectedSecret("at least 1 character"), ...onText })
      .max(BMC_PASSWORD_MAX.lanplus, {
        ...expectedSecret(`at most ${BMC_PASSWORD_MAX.lanplus} characters (the IPMI limit)`),
        ...onText,
      })
      .regex(BMC_PASSWORD, expectedSecret("letters, digits and ! % + , - . / : = ? @ ^ _ ~ only"))
      .optional()
      .describe(
        "the BMC user's password; generated once (16 characters) and written back into this file when absent: set the same on the BMC",
      ),
    interface: z
      .enum(["lan", "lanplus"])
      .default("lanplus")
      .describe("lanplus (IPMI 2.0, encrypted) or lan (IPMI 1.5, for old BMCs and simulators)"),
  })
  .describe("the node's management board (IPMI BMC): its peer power-cycles this node through it (STONITH)");

export const NodeSpec = z.strictObject({
  name: hostname.describe("the node's host name (uname -n)"),
  match: NodeMatch.optional(),
  disk: DiskSelector.describe(
    "which disk to install onto: at least one of serial, by_id, model, path, min_size, max_size",
  ),
  nics: z
    .record(ifname, mac)
    .refine((nics) => Object.keys(nics).length <= 16, expected("at most 16 NICs"))
    .describe("the node's NICs: a name (used in every config file) and the MAC it is pinned to"),
  lan: cidr4.describe("the node's own address on the LAN (the bond), with prefix"),
  repl: cidr4.describe("the node's address on the replication link, with prefix"),
  bmc: BmcSpec.optional(),
});

export const BondSpec = z.strictObject({
  name: ifname.default("bond0").describe("the bond interface's name"),
  slaves: z
    .array(ifname)
    .length(2, listBound("a list of exactly two NIC names"))
    .describe("the two NICs of the bond"),
  mode: z
    .enum([
      "active-backup",
      "balance-rr",
      "802.3ad",
      "balance-xor",
      "broadcast",
      "balance-tlb",
      "balance-alb",
    ])
    .default("active-backup")
    .describe("the bonding mode; 802.3ad (LACP) needs a matching switch configuration"),
  miimon: z.number().int().min(10).max(10_000).default(100).describe("link check interval in ms"),
  primary: ifname.optional().describe("the preferred slave (active-backup); defaults to the first slave"),
});

export const NetworkSpec = z.strictObject({
  bond: BondSpec.describe("the LAN bond: clients reach the cluster through it"),
  replication: z
    .strictObject({ nic: ifname.describe("the NIC of the dedicated replication (crossover) link") })
    .describe("the dedicated link for DRBD and the second heartbeat path"),
  gateway: ipv4.optional().describe("the default gateway on the LAN"),
  dns: z
    .array(ipv4)
    .max(DNS_MAX, listBound(`at most ${DNS_MAX} resolvers (glibc reads only the first ${DNS_MAX})`))
    .default([])
    .describe(`DNS resolvers, at most ${DNS_MAX}`),
  mtu: z.number().int().min(576).max(9216).optional().describe("MTU of the bond and the replication link"),
  management: z
    .strictObject({
      subnet: cidr4.describe("the management network holding the BMCs, like 10.0.60.0/24"),
      gateway: ipv4.describe("the router on the LAN through which both nodes reach that network"),
    })
    .optional()
    .describe("a separate network for the BMCs, reached through a router on the LAN"),
});

/** The OS partition when the answer gives no size (the wizard's template and its disk list use it too). */
export const DEFAULT_OS_SIZE = "5GiB";

export const StorageSpec = z.strictObject({
  os_size: size.prefault(DEFAULT_OS_SIZE).describe("size of the OS partition"),
  data_mount: absPath
    .default("/data")
    .describe("where the replicated filesystem is mounted on the active node"),
  data_fs: z.enum(["ext4", "xfs"]).default("ext4").describe("the filesystem on the DRBD device"),
  wipe: z
    .boolean()
    .default(false)
    .describe(
      "allow an unattended install to destroy existing partitions or filesystems on the selected disk",
    ),
});

export const DrbdSpec = z.strictObject({
  resource: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/, expected("a resource name like r0"))
    .default("r0")
    .describe("the DRBD resource name"),
  device: z
    .string()
    .regex(DRBD_DEVICE, expected("a device like /dev/drbd0"))
    .refine(
      (dev) => !DRBD_DEVICE.test(dev) || Number(dev.slice("/dev/drbd".length)) <= DRBD_MINOR_MAX,
      expected(`a device from /dev/drbd0 to /dev/drbd${DRBD_MINOR_MAX}`),
    )
    .default("/dev/drbd0")
    .describe("the DRBD block device"),
  port: z.number().int().min(1024).max(65535).default(7789).describe("the TCP port DRBD replicates over"),
  resync_rate: z
    .string()
    .regex(RESYNC_RATE, expected("a rate like 100M"))
    .refine(
      // A rate the pattern refused is reported once, by the pattern.
      (rate) => !RESYNC_RATE.test(rate) || (resyncKiB(rate) >= 1 && resyncKiB(rate) <= RESYNC_MAX_KIB),
      expected("a rate from 1K to 4G"),
    )
    .default("100M")
    .describe("the resync rate limit in bytes per second (K, M, G suffixes)"),
  shared_secret: secret(16, 64)
    .optional()
    .describe("peer authentication secret; generated once and written back into this file when absent"),
});

export const HeartbeatSpec = z.strictObject({
  keepalive: duration(HEARTBEAT_MAX_MS.keepalive).prefault("1s").describe("how often heartbeats are sent"),
  warntime: duration(HEARTBEAT_MAX_MS.warntime)
    .optional()
    .describe(
      "when a late heartbeat is logged; defaults to half of deadtime (between keepalive and deadtime)",
    ),
  deadtime: duration(HEARTBEAT_MAX_MS.deadtime)
    .prefault("10s")
    .describe("how long without heartbeats before the peer is declared dead"),
  initdead: duration(HEARTBEAT_MAX_MS.initdead)
    .optional()
    .describe("defaults to 2 x deadtime (at least 60s)"),
  udpport: z.number().int().min(1).max(65535).default(694).describe("the UDP port heartbeats use"),
  auto_failback: z
    .boolean()
    .default(false)
    .describe("move the resources back to the preferred node when it returns"),
  ping: ipv4.optional().describe("a ping node; defaults to the gateway; enables ipfail"),
  authkey: secret(16, 128)
    .optional()
    .describe("the sha1 key in authkeys; generated once and written back into this file when absent"),
});

export const ExportSpec = z.strictObject({
  path: absPath.describe("a directory under storage.data_mount"),
  clients: z
    .string()
    .max(255, textBound("a client of at most 255 characters"))
    .regex(
      /^(@[A-Za-z0-9._-]+|[A-Za-z0-9.*?/:_-]+)$/,
      expected("a host, network (192.168.42.0/24), wildcard or @netgroup, no spaces"),
    )
    .describe("who may mount the export (the exports(5) client field)"),
  options: z
    .array(
      z
        .string()
        .max(64, textBound("an export option of at most 64 characters"))
        .regex(EXPORT_OPTION, expected("an export option like rw or anonuid=1000"))
        .superRefine((option, ctx) => {
          if (EXPORT_OPTION.test(option)) refuse(ctx, option, exportOptionProblem(option));
        }),
    )
    .max(32, listBound("at most 32 options"))
    .superRefine((options, ctx) => {
      for (const [i, message] of exportOptionConflicts(options))
        ctx.addIssue({ code: "custom", path: [i], message: `expected ${message}`, input: options[i] });
    })
    .default(["rw", "sync", "no_subtree_check"])
    .describe("exports(5) options; fsid is added from the fsid key"),
  fsid: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe("defaults to the export's position, starting at 1"),
});

/** rpc.nfsd and nfsdctl take any count; beyond this a two-node file server only wastes memory. */
export const NFSD_THREADS_MAX = 1024;
/** The kernel refuses an NFSv4 lease or grace time outside 10..3600 s (fs/nfsd/nfsctl.c). */
export const NFSD_TIME_BOUNDS = { min: 10, max: 3600 } as const;

function nfsdSeconds(what: string) {
  const phrase = `a ${what} time in whole seconds from ${NFSD_TIME_BOUNDS.min} to ${NFSD_TIME_BOUNDS.max} (the kernel's bounds)`;
  return z
    .number(expected(phrase))
    .int(expected(phrase))
    .min(NFSD_TIME_BOUNDS.min, expected(phrase))
    .max(NFSD_TIME_BOUNDS.max, expected(phrase));
}

export const NfsSpec = z.strictObject({
  exports: z
    .array(ExportSpec)
    .min(1, listBound("at least one export"))
    .max(64, listBound("at most 64 exports"))
    .describe("the exported directories"),
  scope: z
    .string()
    .regex(HOSTNAME, expected("a host name"))
    .optional()
    .describe(
      "the NFSv4 server scope both nodes present, so NFSv4 clients can reclaim locks; defaults to the cluster name",
    ),
  threads: z
    .number()
    .int(expected(`a whole number of nfsd threads from 1 to ${NFSD_THREADS_MAX}`))
    .min(1, expected(`a whole number of nfsd threads from 1 to ${NFSD_THREADS_MAX}`))
    .max(NFSD_THREADS_MAX, expected(`a whole number of nfsd threads from 1 to ${NFSD_THREADS_MAX}`))
    .default(16)
    .describe("how many nfsd server threads run on the active node (Debian 13's default is 16)"),
  lease_time: nfsdSeconds("lease")
    .default(15)
    .describe(
      "NFSv4 lease in seconds (10 to 3600, the kernel's bounds): an idle client renews within it, so it notices a takeover at the latest after one lease",
    ),
  grace_time: nfsdSeconds("grace")
    .default(15)
    .describe(
      "grace period in seconds after a takeover (10 to 3600, at least lease_time) in which NFSv4 and NFSv3 (NLM) clients reclaim their locks; new opens and locks wait until it ends, or until every known NFSv4 client has reclaimed",
    ),
});

/**
 * The grace period must cover one lease: a client that only renews its lease (no other traffic) learns of
 * the takeover at its next renewal, and after the grace period it can no longer reclaim its locks.
 */
const NfsSpecChecked = NfsSpec.superRefine((nfs, ctx) => {
  if (nfs.grace_time < nfs.lease_time)
    ctx.addIssue({
      code: "custom",
      path: ["grace_time"],
      message: `expected at least nfs.lease_time (${nfs.lease_time}): a client that only renews its lease must still find the grace period open after a takeover, got ${nfs.grace_time}`,
      input: nfs.grace_time,
    });
});

export const TimeSpec = z.strictObject({
  servers: z
    .array(
      z.string().superRefine((server, ctx) => {
        if (/^[0-9.]+$/.test(server)) {
          if (!IPV4.test(server)) refuse(ctx, server, "a host name or IPv4 address");
          else unicast(server, server, ctx);
        } else if (!dnsNameOk(server, 253)) refuse(ctx, server, "a host name or IPv4 address");
      }),
    )
    .max(TIME_SERVERS_MAX, listBound(`at most ${TIME_SERVERS_MAX} servers`))
    .default([])
    .describe("NTP servers; the two nodes also peer with each other over the replication link"),
});

export const AccessSpec = z.strictObject({
  ssh_authorized_keys: z
    .array(
      z.string().superRefine((line, ctx) => {
        const problem = sshKeyProblem(line);
        if (problem) refuse(ctx, line, `an OpenSSH public key line (TYPE BASE64 [COMMENT]): ${problem}`);
      }),
    )
    .max(64, listBound("at most 64 keys"))
    .default([])
    .describe("public keys allowed to log in as root"),
  root_password_hash: z
    .string({ error: (issue) => `expected a string, got ${describeSecret(issue.input)}` })
    .max(512, { ...expectedSecret("a crypt(3) hash of at most 512 characters"), ...onText })
    .regex(
      /^\$(y|gy|7|6|5|2[abxy]?)\$[A-Za-z0-9./$=]+$/,
      expectedSecret("a crypt(3) hash such as the output of mkpasswd (starts with $y$ or $6$)"),
    )
    .optional()
    .describe("root's password as a crypt(3) hash; without it root has no password login"),
});

export const LocaleSpec = z.strictObject({
  lang: z
    .string()
    .refine(localeSyntaxOk, expected("a locale like en_US.UTF-8: language[_TERRITORY][.codeset][@modifier]"))
    .default("C.UTF-8")
    .describe("the system locale (LANG)"),
  timezone: z
    .string()
    .refine(
      zoneSyntaxOk,
      expected(
        "a zone like Europe/Berlin or Etc/UTC: up to three parts, each a letter and then letters, digits, '_', '+' or '-', at most 14 characters",
      ),
    )
    .default("Etc/UTC")
    .describe("the time zone"),
  keyboard: z
    .string()
    .max(64, textBound("an XKB layout of at most 64 characters"))
    .regex(/^[a-z]{2,}(\([a-z0-9_-]+\))?$/, expected("an XKB layout like us or de"))
    .default("us")
    .describe("the console keyboard layout"),
});

const ClusterSpecBase = z
  .strictObject({
    version: z.literal(1, expected("1 (the only answer file format version)")).describe("always 1"),
    cluster: z
      .strictObject({
        name: hostname.describe("the cluster's name; also the NFS server's name clients see"),
        domain: z
          .string()
          .refine(
            (domain) => domain === domain.toLowerCase() && dnsNameOk(domain, DOMAIN_MAX),
            expected(`a DNS domain like example.org, at most ${DOMAIN_MAX} characters`),
          )
          .optional()
          .describe("the DNS domain of both nodes"),
      })
      .describe("the cluster's name and domain"),
    nodes: z
      .array(NodeSpec)
      .length(2, listBound("exactly two nodes"))
      .describe("the two nodes; the first is preferred"),
    network: NetworkSpec.describe("the LAN bond, the replication link, gateway and DNS"),
    service: z
      .strictObject({ ip: cidr4.describe("the floating service IP clients mount, with prefix") })
      .describe("the address that moves with the active node"),
    storage: StorageSpec.prefault({}).describe("disk layout and the replicated filesystem"),
    drbd: DrbdSpec.prefault({}).describe("DRBD replication"),
    heartbeat: HeartbeatSpec.prefault({}).describe("Heartbeat failover timing"),
    nfs: NfsSpecChecked.describe("NFS exports"),
    time: TimeSpec.prefault({}).describe("time synchronisation (chrony)"),
    access: AccessSpec.prefault({}).describe("root login"),
    locale: LocaleSpec.prefault({}).describe("language, time zone and keyboard"),
  })
  .describe("pairboot answer file: one two-node HA NFS cluster");

export const ClusterSpecSchema = ClusterSpecBase.transform(fillDerivedDefaults);

type ParsedSpec = z.output<typeof ClusterSpecBase>;

/** Defaults that depend on other values: filled once here so no consumer re-derives them. */
function fillDerivedDefaults(s: ParsedSpec) {
  const hb = s.heartbeat;
  return {
    ...s,
    nodes: s.nodes.map((n) => ({ ...n, match: n.match ?? { mac: Object.values(n.nics) } })),
    network: {
      ...s.network,
      bond: { ...s.network.bond, primary: s.network.bond.primary ?? (s.network.bond.slaves[0] as string) },
    },
    heartbeat: {
      ...hb,
      warntime: hb.warntime ?? defaultWarntime(hb.keepalive, hb.deadtime),
      initdead: hb.initdead ?? Math.max(60_000, 2 * hb.deadtime),
      ping: hb.ping ?? s.network.gateway,
    },
    nfs: {
      ...s.nfs,
      scope: s.nfs.scope ?? s.cluster.name,
      exports: s.nfs.exports.map((e, i) => ({ ...e, fsid: e.fsid ?? i + 1 })),
    },
  };
}

/** Half of deadtime, unless that would not leave warntime above keepalive: then midway between the two. */
function defaultWarntime(keepalive: number, deadtime: number): number {
  const half = Math.floor(deadtime / 2);
  return half > keepalive ? half : Math.floor((keepalive + deadtime) / 2);
}

export type ClusterSpec = z.output<typeof ClusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
export type NodeSpec = ClusterSpec["nodes"][number];
export type DiskSelector = z.output<typeof DiskSelector>;
export type ExportSpec = ClusterSpec["nfs"]["exports"][number];
export { ClusterSpecBase };
