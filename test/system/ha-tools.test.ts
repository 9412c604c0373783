// Real-tool checks of the rendered HA files (root): drbdadm in 8.4 mode, exportfs, systemd-analyze and the
// nfsstate resource script, each against files rendered for both nodes of every example answer file.
// Nothing touches the host: programs run in overlay sandboxes (test/support/netns.ts) or on temp dirs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecWithSecrets, writeFamily } from "../support/ha-spec.js";
import {
  addNetns,
  createSandbox,
  deleteNetns,
  ip,
  netnsName,
  removeSandbox,
  runInSandbox,
  startInSandbox,
  type Sandbox,
} from "../support/netns.js";
import { complaints, HB_START, installHeartbeat, sandboxLog } from "../support/heartbeat.js";
import * as drbd from "../../src/render/drbd.js";
import * as heartbeat from "../../src/render/heartbeat.js";
import * as nfs from "../../src/render/nfs.js";
import type { ClusterSpec, NodeSpec } from "../../src/answer/schema.js";
import type { RenderFamily } from "../../src/render/types.js";
import { RELEASE_TRAITS } from "../../src/render/release.js";

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const exampleFiles = (await readdir(EXAMPLES)).filter((f) => f.endsWith(".yaml")).sort();

interface Rendered {
  example: string;
  spec: ClusterSpec;
  node: NodeSpec;
  root: string;
  families: RenderFamily[];
}

let work = "";
const rendered: Rendered[] = [];
const sandboxes: Sandbox[] = [];

async function sandbox(tag: string): Promise<Sandbox> {
  const sb = await createSandbox(tag);
  sandboxes.push(sb);
  return sb;
}

function hostPart(cidr: string): string {
  return cidr.split("/")[0] ?? cidr;
}

function drbdEnv(node: string): Record<string, string> {
  return { DRBD_DRIVER_VERSION_OVERRIDE: "8.4.11", __DRBD_NODE__: node };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "pbha-tools-"));
  for (const example of exampleFiles) {
    const spec = await loadSpecWithSecrets(join(EXAMPLES, example));
    for (const node of spec.nodes) {
      const root = join(work, example, node.name);
      // This host's tools are bookworm's: they check bookworm's files (render-tools.test.ts checks trixie's).
      const families = [drbd, heartbeat, nfs].map((m) => m.render(spec, node, "bookworm"));
      for (const f of families) await writeFamily(root, f);
      // Debian's stock /etc/drbd.conf, pointing at the rendered files.
      await writeFile(
        join(root, "etc/drbd.conf"),
        `include "${root}/etc/drbd.d/global_common.conf";\ninclude "${root}/etc/drbd.d/*.res";\n`,
      );
      rendered.push({ example, spec, node, root, families });
    }
  }
});

afterAll(async () => {
  for (const sb of sandboxes) await removeSandbox(sb);
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(exampleFiles)("%s", (example) => {
  const mine = () => rendered.filter((r) => r.example === example);

  it("drbdadm (8.4 mode) parses the config and plans `up` with protocol C, the secret and both addresses", async () => {
    expect(mine()).toHaveLength(2);
    for (const r of mine()) {
      const { resource, port, shared_secret } = r.spec.drbd;
      const conf = join(r.root, "etc/drbd.conf");
      const dump = await execa("drbdadm", ["-c", conf, "dump", resource], {
        env: drbdEnv(r.node.name),
        reject: false,
      });
      expect(dump.exitCode, dump.stderr).toBe(0);
      for (const n of r.spec.nodes) expect(dump.stdout).toContain(`on ${n.name} {`);

      const up = await execa("drbdadm", ["-c", conf, "-d", "up", resource], {
        env: drbdEnv(r.node.name),
        reject: false,
      });
      expect(up.exitCode, up.stderr).toBe(0);
      const peer = r.spec.nodes.find((n) => n.name !== r.node.name);
      if (!peer) throw new Error("no peer");
      const connect = up.stdout.split("\n").find((l) => l.startsWith("drbdsetup-84 connect"));
      console.log(
        `[${example} ${r.node.name}] ${connect?.replace(/--shared-secret=\S+/, "--shared-secret=***")}`,
      );
      expect(connect).toBeDefined();
      // own address first, then the peer's, both on the replication link
      expect(connect).toContain(`ipv4:${hostPart(r.node.repl)}:${port} ipv4:${hostPart(peer.repl)}:${port}`);
      expect(connect).toContain("--protocol=C");
      expect(connect).toContain(`--shared-secret=${shared_secret}`);
      expect(connect).toContain("--cram-hmac-alg=sha1");
      expect(up.stdout).toMatch(
        /attach \d+ \/dev\/disk\/by-partlabel\/pairboot-data .*--fencing=resource-only/,
      );
    }
  });

  it("dopd's user (hacluster) can read the DRBD config that holds the secret, others cannot", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const conf = join(r.root, "etc/drbd.conf");
    const common = join(r.root, "etc/drbd.d/global_common.conf");
    const { stdout: gid } = await execa("getent", ["group", "haclient"]);
    await chown(common, 0, Number(gid.split(":")[2])); // what the chown chroot command does
    const asUser = (user: string) =>
      execa(
        "setpriv",
        [
          "--reuid",
          user,
          "--regid",
          user === "hacluster" ? "haclient" : "nogroup",
          "--init-groups",
          "drbdadm",
          "-c",
          conf,
          "dump",
          r.spec.drbd.resource,
        ],
        { env: drbdEnv(r.node.name), reject: false },
      );
    await chmod(work, 0o711); // let other users reach the files; their own modes decide the rest
    try {
      const dopd = await asUser("hacluster");
      expect(dopd.exitCode, dopd.stderr).toBe(0);
      const nobody = await asUser("nobody");
      expect(nobody.exitCode).not.toBe(0);
      expect(nobody.stderr).toMatch(/Failed to open include file .*global_common\.conf/);
    } finally {
      await chmod(work, 0o700);
    }
  });

  it("the chroot commands set the dopd overrides once, and drbdadm stops asking for them", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const sb = await sandbox("statoverride");
    for (const f of r.families) await writeFamily(sb.upper, f);
    const cmds = (r.families[0]?.chrootCommands ?? []).join("\n");
    const env = `DRBD_DRIVER_VERSION_OVERRIDE=8.4.11 __DRBD_NODE__=${r.node.name}`;
    const inner = `
      ${env} drbdadm -d up ${r.spec.drbd.resource} >/dev/null 2>/tmp/before
      grep -c dpkg-statoverride /tmp/before || true
      ( ${cmds} ) && echo first-ok
      ( ${cmds} ) && echo second-ok
      stat -c '%a %U %G %n' ${RELEASE_TRAITS.bookworm.dopdHelpers.join(" ")} /etc/drbd.d/global_common.conf
      dpkg-statoverride --list | grep -c drbd
      ${env} drbdadm -d up ${r.spec.drbd.resource} >/dev/null 2>/tmp/after
      grep -c dpkg-statoverride /tmp/after || true`;
    const res = await runInSandbox(sb, inner);
    const out = res.stdout.split("\n");
    expect(res.exitCode, res.stderr).toBe(0);
    expect(Number(out[0])).toBeGreaterThan(0); // drbdadm asked before
    expect(out).toContain("first-ok");
    expect(out).toContain("second-ok");
    for (const p of RELEASE_TRAITS.bookworm.dopdHelpers) expect(out).toContain(`4750 root haclient ${p}`);
    expect(out).toContain("640 root haclient /etc/drbd.d/global_common.conf");
    expect(out[out.length - 2]).toBe("2"); // exactly two overrides after running twice
    expect(out[out.length - 1]).toBe("0"); // and drbdadm is satisfied
  });

  it("exportfs accepts the exports file without a warning and shows the fsid and options", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const sb = await sandbox("exportfs");
    await writeFamily(sb.upper, r.families[2] as RenderFamily);
    const data = join(sb.dir, "data");
    await mkdir(data);
    const mkdirs = r.spec.nfs.exports.map((e) => `mkdir -p ${e.path}`).join("\n");
    const res = await runInSandbox(sb, `${mkdirs}\nexportfs -ra && exportfs -v`, {
      binds: [{ src: data, dst: r.spec.storage.data_mount }],
    });
    console.log(`[${example}] exportfs -v:\n${res.stdout}`);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toBe("");
    for (const e of r.spec.nfs.exports) {
      // exportfs -v moves the client to a continuation line when the path is long
      const line = res.stdout
        .replace(/\n\s+/g, " ")
        .split("\n")
        .find((l) => l.startsWith(`${e.path} `));
      expect(line, `${e.path} not exported`).toBeDefined();
      expect(line).toContain(`${e.clients}(`);
      expect(line).toMatch(new RegExp(`[(,]fsid=${e.fsid}[,)]`));
      for (const o of e.options) expect(line).toMatch(new RegExp(`[(,]${o}[,)]`));
    }
    // The same check catches the classic mistake: a space before '(' exports to the world.
    const bad = (await readFile(join(sb.upper, nfs.EXPORTS_PATH), "utf8")).replace(/\(/g, " (");
    await writeFile(join(sb.upper, nfs.EXPORTS_PATH), bad);
    const worse = await runInSandbox(sb, `${mkdirs}\nexportfs -ra`, {
      binds: [{ src: data, dst: r.spec.storage.data_mount }],
    });
    expect(worse.stderr).toMatch(/No host name given|suggest \*\(/);
  });

  it("systemd-analyze verify accepts nfs-server.service with the scope drop-in", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const units = join(r.root, "etc/systemd/system");
    const res = await execa("systemd-analyze", ["verify", "nfs-server.service"], {
      env: { SYSTEMD_UNIT_PATH: `${units}:` },
      reject: false,
    });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).not.toContain(units);
    // The drop-in really is read: the same command with a broken copy fails.
    const broken = join(work, "broken-units");
    await mkdir(join(broken, "nfs-server.service.d"), { recursive: true });
    const dropin = await readFile(join(units, "nfs-server.service.d/50-pairboot-scope.conf"), "utf8");
    await writeFile(
      join(broken, "nfs-server.service.d/50-pairboot-scope.conf"),
      dropin.replace("/usr/bin/unshare", "/usr/bin/unshare-missing"),
    );
    const bad = await execa("systemd-analyze", ["verify", "nfs-server.service"], {
      env: { SYSTEMD_UNIT_PATH: `${broken}:` },
      reject: false,
    });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain("unshare-missing");
  });

  it("the drop-in's ExecStart runs rpc.nfsd under the cluster scope and leaves the node's hostname alone", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const dropin = await readFile(join(r.root, nfs.SCOPE_DROPIN_PATH), "utf8");
    const exec = dropin
      .split("\n")
      .filter((l) => l.startsWith("ExecStart="))
      .map((l) => l.slice("ExecStart=".length))
      .find((l) => l !== "");
    if (!exec) throw new Error("no ExecStart in the drop-in");
    const sb = await sandbox("nfsd-scope");
    // A stand-in rpc.nfsd (in the sandbox only) reports the nodename it was started under.
    await mkdir(join(sb.upper, "usr/sbin"), { recursive: true });
    await writeFile(join(sb.upper, "usr/sbin/rpc.nfsd"), "#!/bin/sh\necho nfsd-nodename=$(uname -n)\n", {
      mode: 0o755,
    });
    const res = await runInSandbox(sb, `${exec}\necho after=$(uname -n)`, { hostname: r.node.name });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.split("\n")).toEqual([`nfsd-nodename=${r.spec.nfs.scope}`, `after=${r.node.name}`]);
  });

  it("nfsstate start/stop/status are idempotent and move the state onto the data filesystem", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const sb = await sandbox("nfsstate");
    await writeFamily(sb.upper, r.families[1] as RenderFamily);
    const data = join(sb.dir, "data");
    await mkdir(data);
    const S = "/etc/ha.d/resource.d/nfsstate";
    const step = (name: string, cmd: string) => `out=$(${cmd} 2>&1); echo "${name} rc=$? out=$out"`;
    const inner = [
      "echo local > /var/lib/nfs/pairboot-local-marker",
      step("status0", `${S} status`),
      step("stop0", `${S} stop`),
      step("start1", `${S} start`),
      step("start2", `${S} start`),
      step("status1", `${S} status`),
      step("mounts", "findmnt -n -o TARGET /var/lib/nfs | wc -l"),
      step("seeded", "test -f /var/lib/nfs/pairboot-local-marker && echo yes"),
      "echo active > /var/lib/nfs/written-while-active",
      step("stop1", `${S} stop`),
      step("stop2", `${S} stop`),
      step("status2", `${S} status`),
      step("kept", `cat ${r.spec.storage.data_mount}/.nfs/written-while-active`),
      step("local", "test -e /var/lib/nfs/written-while-active && echo leaked || echo clean"),
    ].join("\n");
    const res = await runInSandbox(sb, inner, { binds: [{ src: data, dst: r.spec.storage.data_mount }] });
    console.log(`[${example}] nfsstate:\n${res.stdout}`);
    const lines = res.stdout.split("\n");
    for (const want of [
      "status0 rc=3 out=stopped",
      "stop0 rc=0 out=",
      "start1 rc=0 out=",
      "start2 rc=0 out=",
      "status1 rc=0 out=running",
      "mounts rc=0 out=1",
      "seeded rc=0 out=yes",
      "stop1 rc=0 out=",
      "stop2 rc=0 out=",
      "status2 rc=3 out=stopped",
      "kept rc=0 out=active",
      "local rc=0 out=clean",
    ]) {
      expect(lines).toContain(want);
    }

    // Without the data filesystem mounted, start refuses instead of writing state onto the root fs.
    const bare = await sandbox("nfsstate-bare");
    await writeFamily(bare.upper, r.families[1] as RenderFamily);
    const refused = await runInSandbox(
      bare,
      `mkdir -p ${r.spec.storage.data_mount}\n${step("start", `${S} start`)}\n${step("created", `ls -A ${r.spec.storage.data_mount}`)}`,
    );
    expect(refused.stdout).toMatch(/^start rc=1 out=nfsstate: .* is not mounted/m);
    expect(refused.stdout).toMatch(/^created rc=0 out=$/m);
  });

  it("nfsstate on a systemd node releases statd/nfsdcld and sends SM_NOTIFY once the service IP is up", async () => {
    const r = mine()[0];
    if (!r) throw new Error("nothing rendered");
    const sb = await sandbox("nfsnotify");
    await writeFamily(sb.upper, r.families[1] as RenderFamily);
    // Recording stand-ins for systemctl and sm-notify, at their real paths inside the sandbox only.
    const recorder = '#!/bin/sh\necho "$(basename $0) $*" >> /var/log/fake-calls\n';
    for (const p of ["usr/bin/systemctl", "usr/sbin/sm-notify"]) {
      await mkdir(join(sb.upper, p, ".."), { recursive: true });
      await writeFile(join(sb.upper, p), recorder, { mode: 0o755 });
    }
    const data = join(sb.dir, "data");
    await mkdir(data);
    const ns = netnsName("nfsnotify");
    await addNetns(ns);
    try {
      await ip(["-n", ns, "link", "add", "svc0", "type", "veth", "peer", "name", "svc1"]);
      await ip(["-n", ns, "link", "set", "svc0", "up"]);
      const S = "/etc/ha.d/resource.d/nfsstate";
      const vip = r.spec.service.ip;
      const inner = `
        mkdir -p /run/systemd/system
        t0=$(date +%s%N); out=$(${S} start); rc=$?; t1=$(date +%s%N)
        echo "start rc=$rc ms=$(( (t1 - t0) / 1000000 ))"
        sleep 2
        echo "before-ip: $(grep -c sm-notify /var/log/fake-calls)"
        ip addr add ${vip} dev svc0
        i=0; while [ $i -lt 50 ] && ! grep -q sm-notify /var/log/fake-calls; do sleep 0.2; i=$((i+1)); done
        ${S} stop
        cat /var/log/fake-calls`;
      const res = await runInSandbox(sb, inner, {
        netns: ns,
        binds: [{ src: data, dst: r.spec.storage.data_mount }],
      });
      console.log(`[${example}] nfsstate with systemd:\n${res.stdout}`);
      const lines = res.stdout.split("\n");
      const start = /^start rc=(\d+) ms=(\d+)$/.exec(lines[0] ?? "");
      expect(start?.[1]).toBe("0");
      // start must not wait for the notifier, or heartbeat would stall until the IP (started later) is up
      expect(Number(start?.[2])).toBeLessThan(2000);
      expect(lines).toContain("before-ip: 0");
      expect(lines.filter((l) => l === "systemctl stop rpc-statd.service nfsdcld.service").length).toBe(2);
      expect(lines).toContain(`sm-notify -f -v ${vip.split("/")[0]}`);
    } finally {
      await deleteNetns(ns);
    }
  });

  it("heartbeat starts with each node's files and complains about nothing", async () => {
    for (const [i, r] of mine().entries()) {
      const bond = r.spec.network.bond.name;
      const repl = r.spec.network.replication.nic;
      const ns = netnsName(`cfg${i}`);
      const sb = await sandbox(`hbcfg-${r.node.name}`);
      await installHeartbeat(sb, r.families[1] as RenderFamily);
      await addNetns(ns);
      const proc = startInSandbox(sb, HB_START, { netns: ns, hostname: r.node.name });
      try {
        // Interfaces named and addressed like the node's, so every media line finds its device.
        for (const [dev, addr, peer] of [
          [bond, r.node.lan, "cfgp0"],
          [repl, r.node.repl, "cfgp1"],
        ] as const) {
          await ip(["-n", ns, "link", "add", dev, "type", "veth", "peer", "name", peer]);
          await ip(["-n", ns, "link", "set", dev, "up"]);
          await ip(["-n", ns, "addr", "add", addr, "dev", dev]);
        }
        const t0 = Date.now();
        let haLog = "";
        while (Date.now() - t0 < 20_000) {
          haLog = await sandboxLog(sb, "ha-log");
          if (
            haLog.includes("Local status now set to: 'up'") ||
            /configuration error|not started/i.test(haLog)
          )
            break;
          await new Promise((res) => setTimeout(res, 250));
        }
        expect(haLog, haLog).toContain("Configuration validated. Starting heartbeat");
        expect(haLog, haLog).toContain("Local status now set to: 'up'");
        expect(complaints(haLog)).toEqual([]);
        // the media lines really went to the node's interfaces
        for (const n of r.spec.nodes) {
          expect(haLog).toContain(
            `ucast: started on port ${r.spec.heartbeat.udpport} interface ${repl} to ${hostPart(n.repl)}`,
          );
          expect(haLog).toContain(
            `ucast: started on port ${r.spec.heartbeat.udpport} interface ${bond} to ${hostPart(n.lan)}`,
          );
        }
      } finally {
        proc.kill("SIGKILL");
        await proc;
        await deleteNetns(ns);
      }
    }
  });
});
