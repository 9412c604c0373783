// The rendered files, checked by the Debian tools that will read them on the installed node, of the release
// they are rendered for: bookworm's files by this host's (Debian 12) tools, trixie's by trixie's own, run in a
// chroot of the cached trixie root filesystem (test/support/rootfs.ts) with the rendered files laid over it in a
// throwaway overlay. Tools: ifquery/ifup (ifupdown), chronyd, glibc, udevadm, nfsconf, exportfs,
// systemd-analyze, drbdadm, modprobe; sfdisk, mkfs and blkid for the disk layout. Needs root (mount
// namespaces, loop devices). Everything it creates lives under one temp dir, in mount namespaces that end with
// their command, or is a loop device it detaches itself.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ClusterSpec, NodeSpec } from "../../src/answer/schema.js";
import { renderNode } from "../../src/render/index.js";
import * as nfs from "../../src/render/nfs.js";
import { RELEASES, RELEASE_TRAITS, type Release } from "../../src/render/release.js";
import { CHRONY_DROPIN_PATH, CHRONY_MAIN_PATH } from "../../src/render/time.js";
import { espFstabUuid, espVolumeId, osFsUuid } from "../../src/render/ids.js";
import { outputFiles } from "../../src/render/output.js";
import {
  MIN_DATA_BYTES,
  diskTooSmall,
  minimumDiskBytes,
  partitionLayout,
  sfdiskScript,
} from "../../src/render/storage.js";
import { example, exampleNames, seed } from "../support/fixtures.js";
import { ensureRootfs, rootfsDirOf } from "../support/rootfs.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "pairboot-render-tools-"));
const loops: string[] = [];

/**
 * udevadm from the host, or one extracted by scripts/fetch-udevadm.sh (installing the udev package on a
 * test host would start udevd). Without either, bookworm's .link files get only the INI check.
 */
const foundUdevadm = [
  ...(process.env.PATH ?? "").split(":").map((d) => join(d, "udevadm")),
  join(import.meta.dirname, "../../.cache/tools/udev/bin/udevadm"),
].find((p) => existsSync(p));
// By its real path: the checks run it inside an overlay of / with a fresh /tmp, where a checkout under /tmp
// (and its .cache link to /var/cache/pairboot) is not to be seen; the real path is.
const hostUdevadm = foundUdevadm === undefined ? undefined : realpathSync(foundUdevadm);

/** Where a release's tools live: "/" is this host (Debian 12); another release's is its cached root tree. */
interface ToolRoot {
  release: Release;
  dir: string;
  udevadm: string | undefined;
}

const hostRelease = /^VERSION_CODENAME=(\w+)$/m.exec(sh("cat", ["/etc/os-release"]).out)?.[1];

/** The tools of each release, or why they are missing (then that release's checks are skipped). */
async function toolRoot(release: Release): Promise<ToolRoot | string> {
  if (release === hostRelease) return { release, dir: "/", udevadm: hostUdevadm };
  // A cached tree is used as it is: only its tools are needed, not a rebuild after a package list change.
  const cached = rootfsDirOf(release);
  if (existsSync(join(cached, "etc/os-release")))
    return { release, dir: cached, udevadm: "/usr/bin/udevadm" };
  const r = await ensureRootfs({ release });
  if ("skip" in r) return r.skip;
  return { release, dir: r.dir, udevadm: "/usr/bin/udevadm" };
}

const toolRoots = new Map<Release, ToolRoot | string>();
if (isRoot) for (const r of RELEASES) toolRoots.set(r, await toolRoot(r));

afterAll(() => {
  for (const dev of loops) spawnSync("losetup", ["-d", dev]);
  rmSync(work, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { encoding: "utf8", input });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(cmd: string, args: string[], input?: string): string {
  const r = sh(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.err}${r.out}`);
  return r.out;
}

/**
 * Runs a shell script in a private mount namespace with a fresh tmpfs on /run: ifquery and ifup create
 * /run/network, and the host's /run must stay as it was.
 */
function isolated(script: string) {
  return sh("unshare", [
    "-m",
    "--propagation",
    "private",
    "sh",
    "-ec",
    `mount -t tmpfs tmpfs /run\n${script}`,
  ]);
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a shell script as root in a chroot of the release's tools with the rendered tree `files` laid over it
 * (overlay, its upper layer on a tmpfs), /proc, /dev, a fresh /run and /tmp, and with `net` a private network
 * namespace and its sysfs. It all lives in a private mount namespace, so nothing outlives the command, even
 * when it fails.
 */
function inRoot(tool: ToolRoot, files: string | undefined, script: string, opts: { net?: boolean } = {}) {
  const t = mkdtempSync(join(work, "root-"));
  const m = `${t}/m`;
  const setup = [
    `mount -t tmpfs tmpfs ${q(t)}`,
    `mkdir ${q(t)}/u ${q(t)}/w ${q(m)}`,
    ...(files === undefined ? [] : [`cp -a ${q(files)}/. ${q(t)}/u/`]),
    `mount -t overlay overlay -o lowerdir=${tool.dir},upperdir=${t}/u,workdir=${t}/w ${q(m)}`,
    `mount -t proc proc ${q(m)}/proc`,
    `mount --rbind /dev ${q(m)}/dev`,
    ...(opts.net ? [`mount -t sysfs sysfs ${q(m)}/sys`] : []),
    `mount -t tmpfs tmpfs ${q(m)}/run`,
    `mount -t tmpfs tmpfs ${q(m)}/tmp`,
    `exec chroot ${q(m)} /bin/sh -ec ${q(script)}`,
  ];
  return sh("unshare", [
    "-m",
    ...(opts.net ? ["-n"] : []),
    "--propagation",
    "private",
    "sh",
    "-ec",
    setup.join("\n"),
  ]);
}

function netmask(prefix: number): string {
  const bits = "1".repeat(prefix).padEnd(32, "0");
  return [0, 8, 16, 24].map((i) => parseInt(bits.slice(i, i + 8), 2)).join(".");
}

function split(cidr: string): [string, number] {
  const [a, p] = cidr.split("/");
  return [a!, Number(p)];
}

interface Case {
  label: string;
  spec: ClusterSpec;
  node: NodeSpec;
  /** The rendered tree on this host (the chroot sees it at /). */
  root: string;
}

/** Every example for both nodes, plus a variant of the seed that takes the other branches, for `release`. */
function cases(release: Release): Case[] {
  const specs: [string, ClusterSpec][] = exampleNames().map((n) => [n, example(n)]);
  specs.push([
    "seed-variant",
    seed((d) => {
      d.network.bond = { slaves: ["lan0", "lan1"], mode: "802.3ad", miimon: 200 };
      d.network.mtu = 9000;
      delete d.network.gateway;
      delete d.cluster.domain;
      d.time.servers = ["192.0.2.123", "2.debian.pool.ntp.org"];
      Object.assign(d.nfs, { threads: 4, lease_time: 20, grace_time: 45 });
    }),
  ]);
  return specs.flatMap(([label, spec]) =>
    spec.nodes.map((node) => {
      const root = join(work, release, label, node.name);
      for (const f of outputFiles(spec, renderNode(spec, node.name, release))) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content, { mode: f.mode });
      }
      return { label: `${label}/${node.name}`, spec, node, root };
    }),
  );
}

/** The units a node's files add or extend, as systemd-analyze verify is to load them. */
function unitsOf(root: string): string[] {
  const dir = join(root, "etc/systemd/system");
  const own = sh("ls", [dir])
    .out.split("\n")
    .filter((n) => n.endsWith(".service"));
  const extended = sh("ls", [dir])
    .out.split("\n")
    .filter((n) => n.endsWith(".service.d"))
    .map((n) => n.slice(0, -2));
  return [...new Set([...own, ...extended, "nfs-server.service", "heartbeat.service", "drbd.service"])];
}

/** `nfsconf --dump`'s [nfsd] section as key -> value. */
function nfsdSection(dump: string): Record<string, string> {
  const section = /^\[nfsd\]\n((?: .*\n?)*)/m.exec(dump)?.[1] ?? "";
  return Object.fromEntries(
    section
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => l.split("=").map((x) => x.trim()) as [string, string]),
  );
}

describe.skipIf(!isRoot)("rendered files under the real tools", () => {
  const byRelease = new Map(RELEASES.map((r) => [r, isRoot ? cases(r) : []]));
  const all = byRelease.get("bookworm") ?? [];

  const perRelease = RELEASES.map((release) => ({ release, tool: toolRoots.get(release) }));

  describe.each(perRelease)("$release's files under $release's own tools", ({ release, tool }) => {
    if (typeof tool !== "object") {
      it.skip(`no ${release} tools here: ${String(tool)}`, () => undefined);
      return;
    }
    {
      const t = tool;
      const mine = byRelease.get(release) ?? [];

      it("this tool root is the release's own", () => {
        const r = inRoot(t, undefined, ". /etc/os-release; echo $VERSION_CODENAME");
        expect(r.out.trim(), r.err).toBe(release);
      });

      describe.each(mine)("$label", ({ spec, node, root }) => {
        const bond = spec.network.bond;
        const repl = spec.network.replication.nic;

        it("ifquery lists lo, the bond and the replication NIC, and reads the bond's options", () => {
          const r = inRoot(t, root, `ifquery --list -a\necho ---\nifquery ${bond.name}`);
          expect(r.code, r.err).toBe(0);
          const [list, options] = r.out.split("---\n") as [string, string];
          expect(list.trim().split("\n")).toEqual(["lo", bond.name, repl]);
          const got = Object.fromEntries(
            options
              .trim()
              .split("\n")
              .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
          );
          const [address, prefix] = split(node.lan);
          expect(got).toMatchObject({
            address,
            netmask: netmask(prefix),
            "bond-slaves": bond.slaves.join(" "),
            "bond-mode": bond.mode,
            "bond-miimon": String(bond.miimon),
          });
          expect(got["bond-primary"]).toBe(bond.mode === "active-backup" ? bond.primary : undefined);
          expect(got.gateway).toBe(spec.network.gateway);
          expect(got.mtu).toBe(spec.network.mtu === undefined ? undefined : String(spec.network.mtu));
        });

        it("ifup --no-act accepts the file and would configure exactly lo, the bond and the replication NIC", () => {
          const r = inRoot(t, root, "mkdir -p /run/network\nifup --no-act -v -a 2>&1");
          expect(r.code, r.out + r.err).toBe(0);
          const configured = [...r.out.matchAll(/^ifup: configuring interface (\S+)=/gm)].map((m) => m[1]);
          expect(configured).toEqual(["lo", bond.name, repl]);
          const [lanAddr, lanPrefix] = split(node.lan);
          const [replAddr, replPrefix] = split(node.repl);
          expect(r.out).toMatch(
            new RegExp(`ip addr add ${lanAddr}/${netmask(lanPrefix)} .* dev ${bond.name} `),
          );
          expect(r.out).toMatch(new RegExp(`ip addr add ${replAddr}/${netmask(replPrefix)} .* dev ${repl} `));
          const route = /ip route add default via (\S+)/.exec(r.out);
          expect(route?.[1]).toBe(spec.network.gateway);
          if (spec.network.mtu) {
            expect(r.out).toMatch(new RegExp(`ip link set dev ${repl} mtu ${spec.network.mtu}`));
          }
        });

        it("chronyd -p parses pairboot's main config with the conf.d file, and the leap second source exists", () => {
          const leap = RELEASE_TRAITS[release].chronyLeapSeconds.split(" ")[1]!;
          const file = leap.startsWith("/") ? leap : `/usr/share/zoneinfo/${leap}`;
          const r = inRoot(t, root, `chronyd -p -f ${CHRONY_MAIN_PATH}\ntest -f ${file}`);
          expect(r.code, r.err).toBe(0);
          const parsed = r.out.trim().split("\n");
          const peer = spec.nodes.find((n) => n.name !== node.name)!;
          expect(parsed).toContain(`peer ${split(peer.repl)[0]} iburst`);
          expect(parsed).toContain("local stratum 10 orphan");
          expect(parsed).toContain(RELEASE_TRAITS[release].chronyLeapSeconds);
          for (const s of spec.time.servers)
            expect(parsed.some((l) => l.endsWith(` ${s} iburst`))).toBe(true);
          expect(parsed.filter((l) => /^(server|pool) /.test(l)).length).toBe(spec.time.servers.length);
        });

        it("glibc resolves both nodes, their replication names and the service name through /etc/hosts", () => {
          const names: [string, string][] = spec.nodes.flatMap((n): [string, string][] => [
            [n.name, split(n.lan)[0]],
            [`${n.name}-repl`, split(n.repl)[0]],
            ...(spec.cluster.domain
              ? [[`${n.name}.${spec.cluster.domain}`, split(n.lan)[0]] as [string, string]]
              : []),
          ]);
          names.push([spec.cluster.name, split(spec.service.ip)[0]]);
          const r = inRoot(
            t,
            root,
            names.map(([name]) => `getent hosts ${q(name)} || echo "missing ${name}"`).join("\n"),
          );
          expect(r.code, r.err).toBe(0);
          expect(
            r.out
              .trim()
              .split("\n")
              .map((l) => l.split(/\s+/)[0]),
          ).toEqual(names.map(([, address]) => address));
        });

        it("nfsconf reads threads, lease and grace time from nfs.conf.d, and the scope where the release takes it there", () => {
          const r = inRoot(t, root, "nfsconf --dump");
          expect(r.code, r.err).toBe(0);
          const { threads, lease_time, grace_time, scope } = spec.nfs;
          expect(nfsdSection(r.out)).toEqual({
            threads: String(threads),
            "lease-time": String(lease_time),
            "grace-time": String(grace_time),
            ...(RELEASE_TRAITS[release].nfsScope === "nfs.conf" ? { scope } : {}),
          });
        });

        it("exportfs exports each path of exports.d with its fsid and options, without a warning", () => {
          const mkdirs = spec.nfs.exports.map((e) => `mkdir -p ${q(e.path)}`).join("\n");
          const r = inRoot(t, root, `${mkdirs}\nexportfs -ra\nexportfs -v`);
          expect(r.code, r.err).toBe(0);
          expect(r.err).toBe("");
          const lines = r.out.replace(/\n\s+/g, " ").split("\n");
          for (const e of spec.nfs.exports) {
            const line = lines.find((l) => l.startsWith(`${e.path} `));
            expect(line, `${e.path} not exported:\n${r.out}`).toBeDefined();
            expect(line).toContain(`${e.clients}(`);
            expect(line).toMatch(new RegExp(`[(,]fsid=${e.fsid}[,)]`));
            for (const o of e.options) expect(line).toMatch(new RegExp(`[(,]${o}[,)]`));
          }
        });

        it("systemd-analyze verify accepts every unit the node's files add or extend", () => {
          const units = unitsOf(root);
          const r = inRoot(t, root, `systemd-analyze verify --man=no ${units.join(" ")}`);
          expect(r.code, r.out + r.err).toBe(0);
          expect(r.err).not.toMatch(/pairboot|Unknown|failed/i);
          expect(units).toEqual(
            expect.arrayContaining(["chrony.service", "nfs-server.service", "pairboot-nfsd-module.service"]),
          );
        });

        it("nfs-server starts nfsd the release's way: nfsdctl reading nfs.conf.d on trixie, under the UTS drop-in on bookworm", () => {
          const r = inRoot(
            t,
            root,
            "systemd-analyze cat-config systemd/system/nfs-server.service 2>/dev/null || " +
              "cat /usr/lib/systemd/system/nfs-server.service /etc/systemd/system/nfs-server.service.d/*.conf 2>/dev/null",
          );
          const execStarts = r.out.split("\n").filter((l) => l.startsWith("ExecStart="));
          if (RELEASE_TRAITS[release].nfsScope === "nfs.conf") {
            expect(execStarts, r.out).toEqual([
              "ExecStart=/bin/sh -c '/usr/sbin/nfsdctl autostart || /usr/sbin/rpc.nfsd'",
            ]);
          } else {
            expect(execStarts.at(-1), r.out).toBe(
              `ExecStart=/usr/bin/unshare --uts /bin/sh -c 'hostname ${spec.nfs.scope} && exec /usr/sbin/rpc.nfsd'`,
            );
          }
        });

        it("nfsdcld (NFSv4 client tracking) starts only with nfs-server, after Heartbeat put the replicated /var/lib/nfs in place", () => {
          const r = inRoot(
            t,
            root,
            "systemctl list-unit-files nfsdcld.service | grep -o 'nfsdcld.service *[a-z]*'\n" +
              "grep -E '^(Wants|After)=nfsdcld' /usr/lib/systemd/system/nfs-server.service\n" +
              "nfsconf --get nfsdcld storagedir || echo default",
          );
          expect(r.code, r.err).toBe(0);
          // static: no boot-time start of its own that could open the database on the local disk.
          expect(r.out.split("\n").map((l) => l.replace(/\s+/g, " "))).toEqual([
            "nfsdcld.service static",
            "Wants=nfsdcld.service",
            "After=nfsdcld.service",
            "default", // /var/lib/nfs/nfsdcld
            "",
          ]);
          const group = sh("cat", [join(root, "etc/ha.d/haresources")])
            .out.trim()
            .split("\n")
            .at(-1)!
            .split(" ");
          const server = group.findIndex((r) => /nfs-kernel-server|pairboot-nfsd/.test(r));
          expect(group.indexOf("nfsstate")).toBeGreaterThan(0);
          expect(group.indexOf("nfsstate")).toBeLessThan(server);
        });

        it("drbdadm (8.4 mode) parses the DRBD config through Debian's /etc/drbd.conf", () => {
          const env = `DRBD_DRIVER_VERSION_OVERRIDE=8.4.11 __DRBD_NODE__=${node.name}`;
          const r = inRoot(t, root, `${env} drbdadm dump ${spec.drbd.resource}`);
          expect(r.code, r.err).toBe(0);
          for (const n of spec.nodes) expect(r.out).toContain(`on ${n.name} {`);
          expect(r.out).toMatch(/disk\s+\/dev\/disk\/by-partlabel\/pairboot-data;/);
        });

        it("modprobe gives lockd the NLM grace period and timeout of pairboot-lockd.conf", () => {
          const r = inRoot(t, root, "modprobe -c");
          expect(r.code, r.err).toBe(0);
          const grace = Math.min(spec.nfs.grace_time, nfs.NLM_GRACE_MAX);
          expect(r.out.split("\n")).toContain(
            `options lockd nlm_grace_period=${grace} nlm_timeout=${nfs.NLM_TIMEOUT}`,
          );
        });

        it("no rendered file is one the release's packages install through ucf", () => {
          const r = inRoot(
            t,
            undefined,
            "cat /var/lib/ucf/registry 2>/dev/null || true\n" +
              "grep -ho 'ucf [^;|&]*' /var/lib/dpkg/info/*.postinst 2>/dev/null || true",
          );
          const ucfPaths = new Set(r.out.match(/\/etc\/[^\s"']+/g) ?? []);
          expect(ucfPaths.size, r.out).toBeGreaterThan(3);
          expect([...ucfPaths]).toEqual(expect.arrayContaining(["/etc/exports", "/etc/chrony/chrony.conf"]));
          const rendered = renderNode(spec, node.name, release).files.map((f) => f.path);
          expect(rendered.filter((p) => ucfPaths.has(p))).toEqual([]);
        });

        it("the chroot command script is valid sh", () => {
          const r = inRoot(t, root, "sh -n /.pairboot/chroot-commands.sh");
          expect(r.code, r.err).toBe(0);
        });
      });

      // The release's own systemd and nfs-utils read the drop-ins: the same commands with one fault fail.
      describe("its tools reject a broken file", () => {
        const base = mine[0]!;
        it("systemd-analyze verify: chrony's drop-in naming a missing chronyd", () => {
          const r = inRoot(
            t,
            base.root,
            `sed -i 's|/usr/sbin/chronyd|/usr/sbin/chronyd-missing|' ${CHRONY_DROPIN_PATH}\n` +
              "systemd-analyze verify --man=no chrony.service",
          );
          expect(r.code).not.toBe(0);
          expect(r.out + r.err).toContain("chronyd-missing");
        });

        it("exportfs: a space before '(' exports to the world and is warned about", () => {
          const mkdirs = base.spec.nfs.exports.map((e) => `mkdir -p ${q(e.path)}`).join("\n");
          const r = inRoot(t, base.root, `sed -i 's/(/ (/' ${nfs.EXPORTS_PATH}\n${mkdirs}\nexportfs -ra`);
          expect(r.err).toMatch(/No host name given|suggest \*\(/);
        });
      });

      // udev itself decides which .link file names a NIC. Each NIC is faked by a veth with the node's MAC in
      // a private network namespace; a bridge given the same MAC (as a bond takes its slave's) must NOT take
      // the NIC's name. (The host kernel has neither bonding nor VLANs; a bridge has a device type of its own.)
      describe.skipIf(!t.udevadm)(".link files under udev's net_setup_link (udevadm)", () => {
        /** ID_NET_NAME per device, as the release's udev computes it with `root` laid over it. */
        function namesFor(root: string, macs: string[]) {
          const script = [
            ...macs.flatMap((mac, i) => [
              `ip link add t${i} address ${mac} type veth peer name p${i}`,
              `ip link add v${i} address ${mac} type bridge`,
            ]),
            ...macs.flatMap((_, i) => [
              `echo "== t${i}"; ${q(t.udevadm!)} test-builtin net_setup_link /sys/class/net/t${i} 2>/dev/null`,
              `echo "== v${i}"; ${q(t.udevadm!)} test-builtin net_setup_link /sys/class/net/v${i} 2>/dev/null`,
            ]),
          ].join("\n");
          const r = inRoot(t, root, script, { net: true });
          expect(r.code, r.err).toBe(0);
          const name = (dev: string) =>
            new RegExp(`== ${dev}\\n(?:.*\\n)*?ID_NET_NAME=(\\S+)`).exec(r.out)?.[1] ?? "";
          return {
            nic: macs.map((_, i) => name(`t${i}`)),
            sameMac: macs.map((_, i) => name(`v${i}`)),
            out: r.out,
          };
        }

        it.each(mine)(
          "$label: each MAC gets its NIC's name, a bridge with the same MAC does not",
          ({ node, root }) => {
            const nics = Object.entries(node.nics);
            const got = namesFor(
              root,
              nics.map(([, mac]) => mac),
            );
            expect(got.nic, got.out).toEqual(nics.map(([name]) => name));
            for (const [i, [name]] of nics.entries()) expect(got.sameMac[i]).not.toBe(name);
          },
        );

        it("control: without Type=ether a bridge with the NIC's MAC would be renamed to the NIC's name", () => {
          const { node, root } = mine[0]!;
          const dir = join(work, release, "link-without-type");
          const [name, mac] = Object.entries(node.nics)[0]!;
          const link = `etc/systemd/network/10-pairboot-${name}.link`;
          mkdirSync(dirname(join(dir, link)), { recursive: true });
          writeFileSync(join(dir, link), sh("cat", [join(root, link)]).out.replace(/^Type=ether\n/m, ""));
          expect(namesFor(dir, [mac]).sameMac).toEqual([name]);
        });
      });
    }
  });

  it("every .link file has a [Match] with the NIC's MAC and a [Link] with its name", () => {
    for (const { node, root } of all) {
      for (const [name, mac] of Object.entries(node.nics)) {
        const text = sh("cat", [join(root, `etc/systemd/network/10-pairboot-${name}.link`)]).out;
        const sections: Record<string, Record<string, string>> = {};
        let current: Record<string, string> | undefined;
        for (const line of text.split("\n")) {
          if (line.trim() === "" || /^[#;]/.test(line)) continue;
          const header = /^\[(\w+)\]$/.exec(line);
          if (header) {
            current = sections[header[1]!] = {};
            continue;
          }
          const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
          expect(kv, `not KEY=value in a .link file: ${line}`).not.toBeNull();
          expect(current, `key before any section: ${line}`).toBeDefined();
          current![kv![1]!] = kv![2]!;
        }
        expect(sections).toEqual({ Match: { MACAddress: mac, Type: "ether" }, Link: { Name: name } });
      }
    }
  });

  // The locale step picks the locale's line from glibc's list; run it against the host's list with
  // /etc/locale.gen swapped for a temp file (locale-gen itself is not run: it writes the host's archive).
  describe.skipIf(!existsSync("/etc/locale.gen"))("locale selection command", () => {
    function localeGenFor(lang: string) {
      const spec = seed((d) => (d.locale = { lang }));
      const cmd = renderNode(spec, spec.nodes[0]!.name).chrootCommands.find((c) => c.includes("SUPPORTED"));
      expect(cmd, "no locale command").toBeDefined();
      const target = join(work, `locale.gen-${lang}`);
      writeFileSync(target, "");
      const r = isolated(`mount --bind ${q(target)} /etc/locale.gen\n${cmd!}`);
      return { code: r.code, text: sh("cat", [target]).out };
    }

    it.each([
      ["en_US.UTF-8", "en_US.UTF-8 UTF-8\n"],
      ["de_DE", "de_DE ISO-8859-1\n"],
      ["de_DE@euro", "de_DE@euro ISO-8859-15\n"],
    ])("%s", (lang, line) => {
      expect(localeGenFor(lang)).toEqual({ code: 0, text: line });
    });

    it("fails for a locale glibc does not know", () => {
      expect(localeGenFor("xx_YY.UTF-8").code).not.toBe(0);
    });
  });

  // The timezone step, run with a private tmpfs as /etc so the host's /etc/localtime stays untouched.
  describe("timezone command", () => {
    function localtimeFor(timezone: string) {
      const spec = seed((d) => (d.locale = { timezone }));
      const cmd = renderNode(spec, spec.nodes[0]!.name).chrootCommands.find((c) =>
        c.includes("/etc/localtime"),
      );
      expect(cmd, "no timezone command").toBeDefined();
      return isolated(`mount -t tmpfs tmpfs /etc\n${cmd!}\nreadlink /etc/localtime`);
    }

    it("links /etc/localtime to an existing zone", () => {
      const r = localtimeFor("Europe/Berlin");
      expect(r.code, r.err).toBe(0);
      expect(r.out.trim()).toBe("/usr/share/zoneinfo/Europe/Berlin");
    });

    it("fails for a zone tzdata does not have, leaving no link", () => {
      const r = localtimeFor("Mars/Olympus_Mons");
      expect(r.code).not.toBe(0);
      expect(r.out).toBe("");
    });
  });

  // Controls: the same tools, given a rendered file with one deliberate fault, must fail; otherwise the
  // checks above could pass on anything.
  describe("the tool checks reject a broken file", () => {
    const base = all[0]!;
    const broken = (rel: string, from: RegExp, to: string) => {
      const text = sh("cat", [join(base.root, rel)]).out;
      expect(text).toMatch(from);
      const path = join(work, `broken-${rel.replace(/\//g, "_")}-${Math.random().toString(36).slice(2)}`);
      writeFileSync(path, text.replace(from, to));
      return path;
    };

    it("ifquery: an unknown method", () => {
      const f = broken("etc/network/interfaces", /inet static/, "inet statik");
      const r = isolated(`ifquery -i ${q(f)} --list -a`);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/unknown or no method/);
    });

    it("ifup --no-act: a static stanza without its address", () => {
      const f = broken("etc/network/interfaces", /^\taddress .*\n/m, "");
      const r = isolated(`ifup --no-act -i ${q(f)} -a --state-dir ${q(work)} 2>&1`);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/missing required variable: address/);
    });

    it("chronyd -p: a misspelt option (this host's chronyd)", () => {
      const f = broken("etc/chrony/conf.d/pairboot.conf", /^peer (\S+) iburst$/m, "peer $1 iburts");
      const r = sh("chronyd", ["-p", "-f", f]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/Could not parse peer directive/);
    });
  });

  describe("partition script under sfdisk", () => {
    interface SfdiskPart {
      start: number;
      size: number;
      type: string;
      name: string;
    }
    interface SfdiskTable {
      label: string;
      lastlba: number;
      sectorsize: number;
      partitions: SfdiskPart[];
    }

    function apply(device: string, script: string): SfdiskTable {
      ok("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", device], script);
      return (JSON.parse(ok("sfdisk", ["--json", device])) as { partitiontable: SfdiskTable }).partitiontable;
    }

    function image(name: string, bytes: number): string {
      const path = join(work, name);
      writeFileSync(path, "");
      truncateSync(path, bytes);
      return path;
    }

    function attach(path: string, extra: string[] = []): string {
      const dev = ok("losetup", ["-f", "--show", ...extra, path]).trim();
      loops.push(dev);
      return dev;
    }

    function detach(dev: string) {
      ok("losetup", ["-d", dev]);
      loops.splice(loops.indexOf(dev), 1);
    }

    /** The table sfdisk wrote must be the layout: same types, names, starts and sizes, 1 MiB aligned. */
    function expectLayout(spec: ClusterSpec, table: SfdiskTable, diskBytes: number) {
      const layout = partitionLayout(spec).partitions;
      const ss = table.sectorsize;
      expect(table.label).toBe("gpt");
      expect(table.partitions.length).toBe(4);
      for (const [i, p] of layout.entries()) {
        const got = table.partitions[i]!;
        expect(got.type).toBe(p.typeGuid);
        expect(got.name).toBe(p.name);
        expect(got.start * ss).toBe(p.startBytes);
        expect((got.start * ss) % MiB).toBe(0);
        if (p.sizeBytes !== null) expect(got.size * ss).toBe(p.sizeBytes);
      }
      const data = table.partitions[3]!;
      expect(data.start + data.size - 1).toBeLessThanOrEqual(table.lastlba);
      // The data partition takes the rest: less than one alignment unit plus the backup GPT is left over.
      expect(diskBytes - (data.start + data.size) * ss).toBeLessThan(2 * MiB);
    }

    it("lays out a 20 GiB disk with 512-byte sectors", () => {
      const spec = seed();
      const bytes = 20 * GiB;
      const table = apply(image("disk512.img", bytes), sfdiskScript(partitionLayout(spec)));
      expect(table.sectorsize).toBe(512);
      expectLayout(spec, table, bytes);
    });

    it("lays out the same bytes on a disk with 4 KiB sectors", () => {
      const spec = seed();
      const bytes = 20 * GiB;
      const dev = attach(image("disk4k.img", bytes), ["-b", "4096"]);
      try {
        const table = apply(dev, sfdiskScript(partitionLayout(spec)));
        expect(table.sectorsize).toBe(4096);
        expectLayout(spec, table, bytes);
      } finally {
        detach(dev);
      }
    });

    it("fits a disk of exactly minimumDiskBytes with a full minimum data partition, and refuses one MiB less", () => {
      const spec = seed();
      const min = minimumDiskBytes(spec);
      const table = apply(image("min.img", min), sfdiskScript(partitionLayout(spec)));
      expectLayout(spec, table, min);
      expect(table.partitions[3]!.size * table.sectorsize).toBeGreaterThanOrEqual(MIN_DATA_BYTES);
      expect(diskTooSmall(spec, min)).toBeNull();

      // One MiB less: sfdisk itself would still write a table, with a data partition below the minimum,
      // which is why the size check has to happen before anything is written.
      const small = min - MiB;
      expect(diskTooSmall(spec, small)).toMatch(/needs at least/);
      const smallTable = apply(image("small.img", small), sfdiskScript(partitionLayout(spec)));
      expect(smallTable.partitions[3]!.size * smallTable.sectorsize).toBeLessThan(MIN_DATA_BYTES);
    });

    it("makes filesystems with exactly the ids /etc/fstab names", () => {
      const spec = seed();
      const root = join(work, "bookworm", "seed", spec.nodes[0]!.name);
      const fstab = sh("cat", [join(root, "etc/fstab")]).out;
      const path = image("ids.img", 8 * GiB);
      apply(path, sfdiskScript(partitionLayout(spec)));
      const layout = partitionLayout(spec).partitions;
      const part = (role: string) => layout.find((p) => p.role === role)!;
      const os = attach(path, [
        "-o",
        String(part("os").startBytes),
        "--sizelimit",
        String(part("os").sizeBytes),
      ]);
      const esp = attach(path, [
        "-o",
        String(part("esp").startBytes),
        "--sizelimit",
        String(part("esp").sizeBytes),
      ]);
      try {
        ok("mkfs.ext4", ["-q", "-F", "-U", osFsUuid(spec), os]);
        ok("mkfs.vfat", ["-i", espVolumeId(spec), esp]);
        const osUuid = ok("blkid", ["-p", "-o", "value", "-s", "UUID", os]).trim();
        const espUuid = ok("blkid", ["-p", "-o", "value", "-s", "UUID", esp]).trim();
        expect(osUuid).toBe(osFsUuid(spec));
        expect(espUuid).toBe(espFstabUuid(spec));
        expect(fstab).toMatch(new RegExp(`^UUID=${osUuid} / ext4 `, "m"));
        expect(fstab).toMatch(new RegExp(`^UUID=${espUuid} /boot/efi vfat `, "m"));
      } finally {
        detach(os);
        detach(esp);
      }
    });
  });
});
