// What the HA renderers must get right, asserted on the rendered text the nodes will read.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSpec, loadSpecWithSecrets } from "../support/ha-spec.js";
import * as drbd from "../../src/render/drbd.js";
import * as heartbeat from "../../src/render/heartbeat.js";
import * as nfs from "../../src/render/nfs.js";
import { heartbeatTime } from "../../src/render/ha-common.js";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { DEFAULT_RELEASE } from "../../src/render/release.js";
import type { RenderFamily, RenderedFile } from "../../src/render/types.js";

const SEED = new URL("../../examples/seed.yaml", import.meta.url).pathname;
const HA = [drbd, heartbeat, nfs];
const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const exampleFiles = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml"));

function file(family: RenderFamily, path: string): RenderedFile {
  const f = family.files.find((x) => x.path === path);
  if (!f) throw new Error(`${path} not rendered; got ${family.files.map((x) => x.path).join(", ")}`);
  return f;
}

function renderAll(spec: ClusterSpec, nodeIndex: number): RenderFamily[] {
  const node = spec.nodes[nodeIndex];
  if (!node) throw new Error("no such node");
  return HA.map((m) => m.render(spec, node, DEFAULT_RELEASE));
}

/** The text inside `name { ... }` at its first occurrence (no nested braces needed for our sections). */
function section(text: string, name: string): string {
  const m = new RegExp(`\\b${name}\\s*\\{([^{}]*)\\}`).exec(text);
  if (!m?.[1]) throw new Error(`no ${name} section in:\n${text}`);
  return m[1];
}

describe("HA renderers on the seed answer file", async () => {
  const spec = await loadSpecWithSecrets(SEED);
  const [a, b] = spec.nodes as [ClusterSpec["nodes"][number], ClusterSpec["nodes"][number]];
  const [drbdA, hbA, nfsA] = renderAll(spec, 0) as [RenderFamily, RenderFamily, RenderFamily];

  it("renders identical HA files, services and commands for node A and node B", () => {
    expect(renderAll(spec, 1)).toEqual(renderAll(spec, 0));
  });

  it("DRBD: 8.4 sections, secret only in a 0640 file readable by dopd's group", () => {
    const common = file(drbdA, "/etc/drbd.d/global_common.conf");
    expect(common.secret).toBe(true);
    expect(common.mode).toBe(0o640);
    expect(section(common.content, "disk")).toMatch(/fencing resource-only;/);
    expect(section(common.content, "disk")).toContain(`resync-rate ${spec.drbd.resync_rate};`);
    expect(section(common.content, "net")).toMatch(/protocol C;/);
    expect(section(common.content, "net")).toContain(`shared-secret "${spec.drbd.shared_secret}";`);
    expect(common.content).not.toMatch(/syncer|\/usr\/lib\/heartbeat\//);
    expect(section(common.content, "handlers")).toContain("/usr/libexec/heartbeat/drbd-peer-outdater -t 5");
    const startup = section(common.content, "startup");
    for (const key of ["wfc-timeout", "degr-wfc-timeout", "outdated-wfc-timeout"]) {
      const m = new RegExp(`\\b${key} (\\d+);`).exec(startup);
      expect(Number(m?.[1]), key).toBeGreaterThan(0);
    }
    expect(drbdA.chrootCommands).toContain("chown root:haclient /etc/drbd.d/global_common.conf");
  });

  it("DRBD: the resource names both nodes on the replication link and the data partition by label", () => {
    const res = file(drbdA, `/etc/drbd.d/${spec.drbd.resource}.res`);
    expect(res.secret).toBeFalsy();
    expect(res.content).toContain(`resource ${spec.drbd.resource} {`);
    expect(res.content).toContain(`device    ${spec.drbd.device};`);
    expect(res.content).toContain("disk      /dev/disk/by-partlabel/pairboot-data;");
    for (const n of [a, b]) {
      expect(section(res.content, `on ${n.name}`)).toContain(
        `address ${n.repl.split("/")[0]}:${spec.drbd.port};`,
      );
    }
    expect(drbdA.enable).toEqual(["drbd.service"]);
  });

  it("DRBD: dpkg-statoverride runs only when no override exists yet", () => {
    const lines = (drbdA.chrootCommands ?? []).filter((c) => c.includes("dpkg-statoverride"));
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(l).toMatch(/^dpkg-statoverride --list (\S+) >\/dev\/null \|\| dpkg-statoverride .*4750 \1$/);
    }
  });

  it("heartbeat: authkeys is sha1, mode 0600 and flagged secret", () => {
    const keys = file(hbA, "/etc/ha.d/authkeys");
    expect(keys.mode).toBe(0o600);
    expect(keys.secret).toBe(true);
    expect(keys.content).toBe(`auth 1\n1 sha1 ${spec.heartbeat.authkey}\n`);
  });

  it("heartbeat: ha.cf has two ucast paths to both peers, libexec helpers and crm off", () => {
    const cf = file(hbA, "/etc/ha.d/ha.cf").content;
    const lines = cf.split("\n");
    const bond = spec.network.bond.name;
    const repl = spec.network.replication.nic;
    for (const n of [a, b]) {
      expect(lines).toContain(`ucast ${bond} ${n.lan.split("/")[0]}`);
      expect(lines).toContain(`ucast ${repl} ${n.repl.split("/")[0]}`);
      expect(lines).toContain(`node ${n.name}`);
    }
    // udpport must come before the first media line, or heartbeat ignores it
    expect(lines.findIndex((l) => l.startsWith("udpport"))).toBeLessThan(
      lines.findIndex((l) => l.startsWith("ucast")),
    );
    expect(lines).toContain("respawn hacluster /usr/libexec/heartbeat/dopd");
    expect(lines).toContain("respawn hacluster /usr/libexec/heartbeat/ipfail");
    expect(lines).toContain(`ping ${spec.heartbeat.ping}`);
    expect(cf).not.toContain("/usr/lib/heartbeat/");
    expect(lines).toContain("crm off");
    expect(lines).toContain(`auto_failback ${spec.heartbeat.auto_failback ? "on" : "off"}`);
    expect(lines).toContain(`deadtime ${spec.heartbeat.deadtime / 1000}`);
    expect(hbA.enable).toEqual(["heartbeat.service"]);
  });

  it("heartbeat: haresources starts on nodes[0], DRBD first, the service IP after NFS, then tickle and the monitor", () => {
    const hr = file(hbA, "/etc/ha.d/haresources")
      .content.split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(hr).toHaveLength(1);
    const fields = (hr[0] ?? "").split(" ");
    expect(fields[0]).toBe(a.name);
    expect(fields[1]).toBe(`drbddisk::${spec.drbd.resource}`);
    expect(fields).toContain(
      `Filesystem::${spec.drbd.device}::${spec.storage.data_mount}::${spec.storage.data_fs}::noatime`,
    );
    expect(fields.indexOf("nfsstate")).toBeLessThan(fields.indexOf("pairboot-nfsd"));
    // heartbeat stops right to left: the monitor first (it must not "restore" what the stop takes down),
    // then the recorder (its last record stays), then the IP, and only then NFS.
    expect(fields.slice(-4)).toEqual([
      "pairboot-nfsd",
      `IPaddr2::${spec.service.ip}/${spec.network.bond.name}`,
      "pairboot-tickle",
      "pairboot-monitor",
    ]);
    for (const r of ["nfsstate", "pairboot-nfsd", "pairboot-tickle", "pairboot-monitor"]) {
      const script = file(hbA, `/etc/ha.d/resource.d/${r}`);
      expect(script.mode, r).toBe(0o755);
      expect(script.content.startsWith("#!/bin/sh\n"), r).toBe(true);
    }
  });

  it("heartbeat: the nfsstate script is executable and binds the state dir from the data mount", () => {
    const s = file(hbA, "/etc/ha.d/resource.d/nfsstate");
    expect(s.mode).toBe(0o755);
    expect(s.content.startsWith("#!/bin/sh\n")).toBe(true);
    expect(s.content).toContain(`STATE=${spec.storage.data_mount}/.nfs`);
    expect(s.content).toContain("TARGET=/var/lib/nfs");
  });

  it("NFS: exports carry fsid and no_subtree_check with no space before '('", () => {
    const text = file(nfsA, nfs.EXPORTS_PATH).content;
    const lines = text.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toHaveLength(spec.nfs.exports.length);
    spec.nfs.exports.forEach((e, i) => {
      const line = lines[i] ?? "";
      expect(line.startsWith(`${e.path} ${e.clients}(`)).toBe(true);
      expect(line).not.toMatch(/\s\(/);
      expect(line).toMatch(new RegExp(`[(,]fsid=${e.fsid}[,)]`));
      expect(line).toMatch(/[(,]no_subtree_check[,)]/);
    });
    expect(nfsA.disable).toEqual(["nfs-server.service"]);
    expect(nfsA.enable ?? []).not.toContain("nfs-server.service");
  });

  it("NFS on bookworm: rpc.nfsd runs under the cluster-wide UTS nodename", () => {
    const bookworm = nfs.render(spec, a, "bookworm");
    const d = file(bookworm, "/etc/systemd/system/nfs-server.service.d/50-pairboot-scope.conf").content;
    expect(d).toMatch(/^ExecStart=$/m);
    expect(d).toContain(`hostname ${spec.nfs.scope} && exec /usr/sbin/rpc.nfsd`);
    expect(d).toMatch(/^ExecStart=\/usr\/bin\/unshare --uts /m);
  });

  it("NFS: nfsd is loaded once the node is up (not in early boot), so a takeover does not wait for it", () => {
    const u = file(nfsA, "/etc/systemd/system/pairboot-nfsd-module.service").content;
    expect(u).toMatch(/^ExecStart=\/usr\/sbin\/modprobe nfsd$/m);
    expect(u).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(nfsA.enable).toEqual(["pairboot-nfsd-module.service"]);
  });
});

describe("HA renderers refuse or adapt to other answers", () => {
  it("names the missing secret instead of inventing one", async () => {
    const spec = await loadSpec(SEED);
    const node = spec.nodes[0];
    if (!node) throw new Error("seed has no nodes");
    expect(() => drbd.render(spec, node, DEFAULT_RELEASE)).toThrow(/drbd\.shared_secret/);
    const withDrbd = { ...spec, drbd: { ...spec.drbd, shared_secret: "x".repeat(20) } };
    expect(() => heartbeat.render(withDrbd, node)).toThrow(/heartbeat\.authkey/);
  });

  it("omits ping and ipfail when there is neither a ping node nor a gateway", async () => {
    const spec = await loadSpecWithSecrets(SEED, (doc) => {
      delete (doc.network as Record<string, unknown>).gateway;
      delete (doc.heartbeat as Record<string, unknown>).ping;
    });
    const node = spec.nodes[0];
    if (!node) throw new Error("seed has no nodes");
    const cf = file(heartbeat.render(spec, node), "/etc/ha.d/ha.cf").content;
    expect(cf).not.toMatch(/^ping /m);
    expect(cf).not.toContain("ipfail");
    expect(cf).toContain("respawn hacluster /usr/libexec/heartbeat/dopd");
  });

  it("adds no_subtree_check only when no subtree option is given, and numbers fsids", async () => {
    const spec = await loadSpecWithSecrets(SEED, (doc) => {
      (doc.nfs as Record<string, unknown>).exports = [
        { path: "/data/a", clients: "10.1.0.0/16", options: ["ro", "subtree_check"] },
        { path: "/data/b", clients: "*.example.org", options: ["rw", "sync"] },
      ];
    });
    const node = spec.nodes[0];
    if (!node) throw new Error("seed has no nodes");
    const text = file(nfs.render(spec, node, DEFAULT_RELEASE), nfs.EXPORTS_PATH).content;
    expect(text).toContain("/data/a 10.1.0.0/16(ro,subtree_check,fsid=1)");
    expect(text).toContain("/data/b *.example.org(rw,sync,no_subtree_check,fsid=2)");
  });

  it("rejects an fsid hidden in the options", async () => {
    const spec = await loadSpecWithSecrets(SEED, (doc) => {
      (doc.nfs as Record<string, unknown>).exports = [{ path: "/data/a", clients: "*", options: ["rw"] }];
    });
    // The schema refuses this option already; the renderer refuses it too if a spec got past it.
    spec.nfs.exports[0]?.options.push("fsid=7");
    const node = spec.nodes[0];
    if (!node) throw new Error("seed has no nodes");
    expect(() => nfs.render(spec, node, DEFAULT_RELEASE)).toThrow(/fsid/);
  });

  it("writes heartbeat times in seconds, or in ms when not whole seconds", async () => {
    expect(heartbeatTime(10_000)).toBe("10");
    expect(heartbeatTime(1500)).toBe("1500ms");
    const spec = await loadSpecWithSecrets(SEED, (doc) => {
      Object.assign(doc.heartbeat as object, { keepalive: "500ms", deadtime: "4s", initdead: "10s" });
    });
    const node = spec.nodes[1];
    if (!node) throw new Error("seed has no nodes");
    const lines = file(heartbeat.render(spec, node), "/etc/ha.d/ha.cf").content.split("\n");
    expect(lines).toContain("keepalive 500ms");
    expect(lines).toContain("deadtime 4");
    expect(lines).toContain("initdead 10");
  });

  it("puts the preferred node first even when rendering for the other node", async () => {
    const spec = await loadSpecWithSecrets(SEED);
    const [first, second] = spec.nodes;
    if (!first || !second) throw new Error("seed has no nodes");
    const hr = file(heartbeat.render(spec, second), "/etc/ha.d/haresources").content;
    expect(hr).toMatch(new RegExp(`^${first.name} drbddisk::`, "m"));
  });
});

describe.each(exampleFiles)("HA renderers on examples/%s", (example) => {
  it("give both nodes the same HA files, with the service IP after NFS and exports without a space before '('", async () => {
    const spec = await loadSpecWithSecrets(`${EXAMPLES}${example}`);
    const [fa, fb] = [renderAll(spec, 0), renderAll(spec, 1)];
    expect(fb).toEqual(fa);
    const [, hb, nf] = fa as [RenderFamily, RenderFamily, RenderFamily];
    const group = file(hb, "/etc/ha.d/haresources").content.trim().split("\n").at(-1)?.split(" ") ?? [];
    expect(group[0]).toBe(spec.nodes[0]?.name);
    expect(group.at(-3)).toBe(`IPaddr2::${spec.service.ip}/${spec.network.bond.name}`);
    expect(group.at(-4)).toBe("pairboot-nfsd");
    for (const line of file(nf, nfs.EXPORTS_PATH)
      .content.split("\n")
      .filter((l) => l && !l.startsWith("#"))) {
      expect(line).toMatch(/^\S+ [^\s(]+\([^\s()]+\)$/);
    }
  });
});
