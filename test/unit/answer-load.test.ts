// Loading answer files: the examples are valid, defaults are filled, and problems point at the right place.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatAnswerError, loadAnswerFile, loadAnswerText, type LoadResult } from "../../src/answer/load.js";

const root = join(import.meta.dirname, "../..");
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"));
const minimal = readFileSync(join(root, "test/fixtures/answers/good/base.yaml"), "utf8");

function errorsOf(result: LoadResult): string[] {
  return result.ok ? [] : result.errors.map(formatAnswerError);
}

function specOf(result: LoadResult) {
  if (!result.ok) throw new Error(`expected a valid file, got:\n${errorsOf(result).join("\n")}`);
  return result.spec;
}

describe("the examples", () => {
  it("include the seed setup and at least one other topology", () => {
    expect(examples).toContain("seed.yaml");
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)("examples/%s validates", async (file) => {
    const result = await loadAnswerFile(join(root, "examples", file));
    expect(errorsOf(result)).toEqual([]);
  });

  it("seed.yaml is the seed cluster: two nodes bonding lan0+lan1, service .42, crossover /30 on repl0", async () => {
    const spec = specOf(await loadAnswerFile(join(root, "examples/seed.yaml")));
    expect(spec.nodes.map((n) => [n.name, n.lan, n.repl])).toEqual([
      ["node-a", "192.168.42.1/24", "10.0.0.1/30"],
      ["node-b", "192.168.42.2/24", "10.0.0.2/30"],
    ]);
    expect(spec.service.ip).toBe("192.168.42.42/24");
    expect(spec.network.bond.slaves).toEqual(["lan0", "lan1"]);
    expect(spec.network.replication.nic).toBe("repl0");
  });
});

describe("defaults", () => {
  const spec = specOf(loadAnswerText(minimal, "base.yaml"));

  it("give a 5GiB OS partition and the data filesystem on /data", () => {
    expect(spec.storage.os_size).toBe(5 * 1024 ** 3);
    expect(spec.storage.data_mount).toBe("/data");
    expect(spec.storage.data_fs).toBe("ext4");
    expect(spec.storage.wipe).toBe(false);
  });

  it("make the bond active-backup with miimon 100, preferring its first slave", () => {
    expect(spec.network.bond).toMatchObject({
      name: "bond0",
      mode: "active-backup",
      miimon: 100,
      primary: "lan0",
    });
  });

  it("never fail back automatically and derive warntime and initdead from deadtime", () => {
    expect(spec.heartbeat.auto_failback).toBe(false);
    expect(spec.heartbeat.deadtime).toBe(10_000);
    expect(spec.heartbeat.warntime).toBe(spec.heartbeat.deadtime / 2);
    expect(spec.heartbeat.initdead).toBe(Math.max(60_000, 2 * spec.heartbeat.deadtime));
  });

  it("derive initdead as twice a long deadtime", () => {
    const long = specOf(loadAnswerText(minimal.replace("deadtime: 10s", "deadtime: 45s"), "long.yaml"));
    expect(long.heartbeat.initdead).toBe(90_000);
  });

  it("use the gateway as ping node, the cluster name as NFS scope and positions as fsids", () => {
    expect(spec.heartbeat.ping).toBe(spec.network.gateway);
    expect(spec.nfs.scope).toBe(spec.cluster.name);
    expect(spec.nfs.exports.map((e) => e.fsid)).toEqual([1]);
  });

  it("recognise each node by the MACs of its own NICs", () => {
    for (const node of spec.nodes) expect(node.match.mac).toEqual(Object.values(node.nics));
  });

  it("include no secrets", () => {
    expect(spec.drbd.shared_secret).toBeUndefined();
    expect(spec.heartbeat.authkey).toBeUndefined();
  });
});

describe("reading values", () => {
  it("takes MACs in any case and keeps them in lower case", () => {
    const spec = specOf(
      loadAnswerText(minimal.replace('"52:54:00:00:0a:01"', '"52:54:00:00:0A:01"'), "f.yaml"),
    );
    expect(spec.nodes[0]?.nics.lan0).toBe("52:54:00:00:0a:01");
  });

  it("reads sizes and durations in their units", () => {
    const text = `${minimal}storage:\n  os_size: 7500MB\n`.replace("keepalive: 1s", "keepalive: 500ms");
    const spec = specOf(loadAnswerText(text, "f.yaml"));
    expect(spec.storage.os_size).toBe(7_500_000_000);
    expect(spec.heartbeat.keepalive).toBe(500);
  });

  it("reads yes as a string (YAML 1.2), so a yes/no boolean is an error", () => {
    const errors = errorsOf(loadAnswerText(`${minimal}storage:\n  wipe: yes\n`, "f.yaml"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^f\.yaml:\d+:9: storage\.wipe: expected true or false, got "yes"/);
  });
});

describe("error positions", () => {
  it("put an unknown key at the key itself and list the allowed keys", () => {
    const errors = errorsOf(loadAnswerText(minimal.replace("  deadtime: 10s", "  deadtim: 10s"), "f.yaml"));
    const line = minimal.split("\n").findIndex((l) => l.startsWith("  deadtime:")) + 1;
    expect(errors).toEqual([
      `f.yaml:${line}:3: heartbeat.deadtim: unknown key 'deadtim'; allowed: keepalive, warntime, deadtime, initdead, udpport, auto_failback, ping, authkey`,
    ]);
  });

  it("put a missing key at the mapping that lacks it", () => {
    const text = minimal.replace("  replication:\n    nic: repl0\n", "");
    const line = text.split("\n").indexOf("network:") + 1;
    const errors = errorsOf(loadAnswerText(text, "f.yaml"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^f\\.yaml:${line}:1: network\\.replication: missing required key`));
  });

  it("report every problem at once, in file order", () => {
    const text = minimal
      .replace("version: 1", "version: 3")
      .replace("  deadtime: 10s", "  deadtime: soon")
      .replace('lan1: "52:54:00:00:0b:02"', 'lan1: "nope"');
    const errors = loadAnswerText(text, "f.yaml");
    expect(errors.ok).toBe(false);
    const lines = errors.ok ? [] : errors.errors.map((e) => e.line);
    expect(lines).toHaveLength(3);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it("format a syntax error without a key path, at the bracket left open", () => {
    const errors = errorsOf(loadAnswerText("version: 1\ncluster: [nfs1\n", "f.yaml"));
    expect(errors).toEqual(["f.yaml:2:10: this '[' is never closed: end the flow sequence with ']'"]);
  });

  it("refuse an empty file, naming the keys it needs", () => {
    const errors = errorsOf(loadAnswerText("", "empty.yaml"));
    expect(errors).toEqual([
      "empty.yaml:1:1: the file is empty; an answer file needs at least version, cluster, nodes, network, service, nfs",
    ]);
  });
});
