// Fencing in the answer file, the renderers, the status check and the wizard's masking: pure parts.
// The real plugin against a simulated BMC is test/system/fencing.test.ts.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpecObject } from "../../src/answer/validate.js";
import { ensureSecrets, missingSecrets, secretValues, withStandInSecrets } from "../../src/answer/secrets.js";
import { createDraft } from "../../src/tui/model/draft.js";
import { loadFixture, shippedExample } from "../support/fixtures.js";
import { fencingSummary, NO_FENCING_RISK } from "../../src/answer/fencing.js";
import { renderNode } from "../../src/render/index.js";
import { FENCE_PEER_CFG, FENCE_PEER_HANDLER, HEARTBEAT_DROPIN } from "../../src/render/stonith.js";
import { classifyIpmitool, fencingLine, ipmitoolArgs } from "../../src/status/fencing.js";
import { secretsOf } from "../../src/tui/model/review.js";
import { exampleText, seed, seedDoc, type RawDoc } from "../support/fixtures.js";

const PW_A = "pw-of-a-0123456";
const PW_B = "pw-of-b-6543210";

function withBmcs(doc: RawDoc): void {
  doc.nodes[0].bmc = { address: "192.168.42.11", user: "fence", password: PW_A };
  doc.nodes[1].bmc = { address: "192.168.42.12", user: "fence", password: PW_B };
}

/** validate's "path: message" lines for the seed answer after `edit`. */
function problems(edit: (doc: RawDoc) => void): string[] {
  const doc = seedDoc();
  doc.drbd = { ...doc.drbd, shared_secret: "0123456789abcdef0123" };
  doc.heartbeat = { ...doc.heartbeat, authkey: "fedcba9876543210fedc" };
  edit(doc);
  const r = validateSpecObject(doc);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe("the answer file's BMCs", () => {
  it("accepts both nodes' BMCs on the LAN, interface lanplus by default", () => {
    expect(problems(withBmcs)).toEqual([]);
    expect(seed(withBmcs).nodes[0]?.bmc).toEqual({
      address: "192.168.42.11",
      user: "fence",
      password: PW_A,
      interface: "lanplus",
    });
  });

  it("refuses a BMC on one node only, naming the node that lacks it", () => {
    expect(
      problems((doc) => {
        withBmcs(doc);
        delete doc.nodes[1].bmc;
      }),
    ).toEqual([
      "nodes[1]: expected a bmc like node-a's: fencing needs both nodes' BMCs (each node resets the other), or leave bmc out on both nodes to run without fencing",
    ]);
  });

  it("refuses a BMC address the peer cannot reach, and accepts it on a named management network", () => {
    const off = (doc: RawDoc) => {
      withBmcs(doc);
      doc.nodes[1].bmc.address = "10.0.60.12";
    };
    expect(problems(off)).toEqual([
      "nodes[1].bmc.address: expected an address the peer can reach: in the LAN subnet 192.168.42.0/24, or add network.management (subnet and gateway) for a separate management network, got 10.0.60.12",
    ]);
    const managed = (doc: RawDoc) => {
      off(doc);
      doc.network.management = { subnet: "10.0.60.0/24", gateway: "192.168.42.253" };
    };
    expect(problems(managed)).toEqual([]);
    expect(
      problems((doc) => {
        managed(doc);
        doc.network.management.gateway = "10.0.60.1";
      }),
    ).toEqual([
      "network.management.gateway: expected the router to the management network in the LAN subnet 192.168.42.0/24, got 10.0.60.1",
    ]);
  });

  it("refuses a BMC address that is already a node's or the service's", () => {
    expect(
      problems((doc) => {
        withBmcs(doc);
        doc.nodes[0].bmc.address = "192.168.42.42";
      }),
    ).toEqual([
      "nodes[0].bmc.address: expected the BMC's own address, got 192.168.42.42, which is already the service IP",
    ]);
  });

  it("refuses passwords IPMI cannot carry without ever showing them", () => {
    const long = "abcdefghij0123456789"; // 20: fine for lanplus, too long for lan (IPMI 1.5)
    expect(
      problems((doc) => {
        withBmcs(doc);
        doc.nodes[0].bmc.password = long;
        doc.nodes[0].bmc.interface = "lan";
      }),
    ).toEqual([
      "nodes[0].bmc.password: expected at most 16 characters with interface lan (IPMI 1.5), got a secret of 20 characters; use interface lanplus or a shorter password",
    ]);
    const blank = problems((doc) => {
      withBmcs(doc);
      doc.nodes[0].bmc.password = "two words#x";
    });
    expect(blank).toHaveLength(1);
    expect(blank[0]).toMatch(
      /^nodes\[0\]\.bmc\.password: expected letters, digits and ! % \+ , - \. \/ : = \? @ \^ _ ~ only/,
    );
    expect(blank[0]).not.toContain("two words");
  });

  it("generates a missing BMC password (16 characters) into the file, next to the user's keys, mode 0600", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pairboot-bmc-"));
    try {
      const file = join(dir, "answer.yaml");
      const text = exampleText("seed")
        .replace(
          "    repl: 10.0.0.1/30\n",
          "    repl: 10.0.0.1/30\n    bmc:\n      address: 192.168.42.11 # node A's BMC\n      user: fence\n",
        )
        .replace(
          "    repl: 10.0.0.2/30\n",
          "    repl: 10.0.0.2/30\n    bmc: { address: 192.168.42.12, user: fence }\n",
        );
      await writeFile(file, text);
      const { spec, generated } = await ensureSecrets(file);
      expect(generated).toEqual([
        "drbd.shared_secret",
        "heartbeat.authkey",
        "nodes[0].bmc.password",
        "nodes[1].bmc.password",
      ]);
      expect(spec.nodes[0]?.bmc?.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(spec.nodes[1]?.bmc?.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(spec.nodes[0]?.bmc?.password).not.toBe(spec.nodes[1]?.bmc?.password);
      const after = await readFile(file, "utf8");
      expect(after).toContain("# node A's BMC");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(missingSecrets(spec)).toEqual([]);
      expect((await ensureSecrets(file)).generated).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("rendering with and without fencing", () => {
  it("without BMCs: no STONITH in ha.cf, DRBD resource-only with dopd, no fencing files", () => {
    const tree = renderNode(seed(), "node-a");
    const paths = tree.files.map((f) => f.path);
    expect(paths).not.toContain(FENCE_PEER_CFG);
    expect(paths).not.toContain(HEARTBEAT_DROPIN);
    expect(tree.files.find((f) => f.path === "/etc/ha.d/ha.cf")?.content).not.toMatch(/^stonith/m);
    const drbd = tree.files.find((f) => f.path === "/etc/drbd.d/global_common.conf")?.content ?? "";
    expect(drbd).toContain("fencing resource-only;");
    expect(drbd).toContain('fence-peer "/usr/libexec/heartbeat/drbd-peer-outdater -t 5";');
  });

  it("with BMCs: the same ha.cf on both nodes, each node's 0600 file names its peer's BMC, DRBD resource-and-stonith", () => {
    const spec = seed(withBmcs);
    const [a, b] = [renderNode(spec, "node-a"), renderNode(spec, "node-b")];
    const file = (t: typeof a, p: string) => t.files.find((f) => f.path === p);
    expect(file(a, "/etc/ha.d/ha.cf")?.content).toBe(file(b, "/etc/ha.d/ha.cf")?.content);
    expect(file(a, "/etc/ha.d/ha.cf")?.content).toContain(`\nstonith external/ipmi ${FENCE_PEER_CFG}\n`);
    expect(file(a, "/etc/ha.d/ha.cf")?.mode).toBe(0o644);
    expect(file(a, FENCE_PEER_CFG)).toMatchObject({ mode: 0o600, secret: true });
    expect(file(a, FENCE_PEER_CFG)?.content.split("\n")[1]).toBe(
      `node-b 192.168.42.12 fence ${PW_B} lanplus`,
    );
    expect(file(b, FENCE_PEER_CFG)?.content.split("\n")[1]).toBe(
      `node-a 192.168.42.11 fence ${PW_A} lanplus`,
    );
    for (const t of [a, b])
      for (const f of t.files.filter((x) => x.path !== FENCE_PEER_CFG)) {
        expect(f.content, f.path).not.toContain(PW_A);
        expect(f.content, f.path).not.toContain(PW_B);
      }
    expect(file(a, HEARTBEAT_DROPIN)?.content).toContain("\nEnvironment=passwd_method=env priv=OPERATOR\n");
    const drbd = file(a, "/etc/drbd.d/global_common.conf")?.content ?? "";
    expect(drbd).toContain("fencing resource-and-stonith;");
    expect(drbd).toContain(`fence-peer "${FENCE_PEER_HANDLER}";`);
    const handler = file(a, FENCE_PEER_HANDLER);
    expect(handler?.mode).toBe(0o755);
    expect(handler?.content).toContain(`stonith -t external/ipmi -F ${FENCE_PEER_CFG} -T reset node-b`);
  });

  it("routes the management network through its router on the bond", () => {
    const spec = seed((doc) => {
      withBmcs(doc);
      doc.nodes[0].bmc.address = "10.0.60.11";
      doc.nodes[1].bmc.address = "10.0.60.12";
      doc.network.management = { subnet: "10.0.60.0/24", gateway: "192.168.42.253" };
    });
    const ifaces = renderNode(spec, "node-a").files.find(
      (f) => f.path === "/etc/network/interfaces",
    )?.content;
    expect(ifaces).toContain("\tup ip route replace 10.0.60.0/24 via 192.168.42.253 dev bond0\n");
  });
});

describe("saying whether the cluster is fenced", () => {
  it("validate, the wizard and status name the risk of running without fencing", () => {
    expect(fencingSummary(seed())).toBe(`no fencing: ${NO_FENCING_RISK}`);
    expect(NO_FENCING_RISK).toContain("both nodes take the service");
    expect(NO_FENCING_RISK).toContain("DRBD splits");
    expect(fencingSummary(seed(withBmcs))).toBe(
      "fencing: node-a via BMC 192.168.42.11 (lanplus), node-b via BMC 192.168.42.12 (lanplus)",
    );
    expect(fencingLine({ enabled: false, peer: "node-b" })).toEqual({
      area: "fencing",
      health: "ok",
      summary: `not configured: ${NO_FENCING_RISK}`,
    });
  });

  it("reads ipmitool 1.8.19's words: power on/off, a refused login, no answer", () => {
    expect(classifyIpmitool(0, "Chassis Power is on")).toBe("on");
    expect(classifyIpmitool(0, "Chassis Power is off")).toBe("off");
    expect(
      classifyIpmitool(
        1,
        "Activate Session command failed\nError: Unable to establish LAN session\nError: Unable to establish IPMI v1.5 / RMCP session",
      ),
    ).toBe("refused");
    expect(classifyIpmitool(1, "Invalid user name\nError: Unable to establish LAN session")).toBe("refused");
    expect(
      classifyIpmitool(1, "> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session"),
    ).toBe("refused");
    expect(
      classifyIpmitool(1, "Could not open socket!\nError: Unable to establish IPMI v1.5 / RMCP session"),
    ).toBe("unreachable");
  });

  it("asks the BMC with the password on ipmitool's standard input, never on the command line", () => {
    const args = ipmitoolArgs({ address: "192.168.42.12", user: "fence", interface: "lanplus" });
    expect(args.join(" ")).toContain("-f /dev/stdin");
    expect(args).not.toContain("-P");
    expect(args.join(" ")).toContain("-L OPERATOR");
  });

  it("the wizard's review masks the BMC passwords with the other secrets", () => {
    expect(secretsOf(seed(withBmcs))).toEqual(expect.arrayContaining([PW_A, PW_B]));
  });
});

describe("what writes nothing still renders a fenced cluster", () => {
  it("plan and a dry run fill a missing BMC password with a stand-in (never shown), like the shared secrets", () => {
    const spec = shippedExample("seed", (doc) => {
      doc.nodes[0].bmc = { address: "192.168.42.11", user: "fence" };
      doc.nodes[1].bmc = { address: "192.168.42.12", user: "fence" };
    });
    expect(missingSecrets(spec)).toEqual([
      "drbd.shared_secret",
      "heartbeat.authkey",
      "nodes[0].bmc.password",
      "nodes[1].bmc.password",
    ]);
    const filled = withStandInSecrets(spec);
    expect(missingSecrets(filled)).toEqual([]);
    expect(spec.nodes[0]?.bmc?.password).toBeUndefined();
    const cfg = renderNode(filled, "node-a").files.find((f) => f.path === FENCE_PEER_CFG);
    expect(cfg?.secret).toBe(true);
    expect(secretValues(filled)).toContain(filled.nodes[1]?.bmc?.password);
  });

  it("the wizard's draft of a loaded answer generates a missing BMC password", () => {
    const answer = seedDoc();
    answer.nodes[0].bmc = { address: "192.168.42.11", user: "fence" };
    answer.nodes[1].bmc = { address: "192.168.42.12", user: "fence", password: PW_B };
    const draft = createDraft(loadFixture("node-a"), answer);
    expect(draft.generatedSecrets).toContain("nodes[0].bmc.password");
    expect(draft.generatedSecrets).not.toContain("nodes[1].bmc.password");
  });
});
