// The wizard's draft without any terminal: an answer goes in, the same answer comes out unless the user
// changed something, and the machine's own disks and NICs are matched by the answer's rules.
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/answer/validate.js";
import { checkDraft, createDraft, draftToAnswer, nicChoices } from "../../src/tui/model/draft.js";
import { fixture, seedAnswer } from "./tui-vt.js";

const secret = () => "fixed-secret-for-tests-0001";

describe("the wizard's draft of an answer file", () => {
  it("gives back the loaded answer unchanged when nothing was edited", async () => {
    const seed = await seedAnswer();
    const facts = fixture("node-a");
    const draft = createDraft(facts, seed, secret);
    const expected = checkSpec({
      ...seed,
      drbd: { ...(seed.drbd as object), shared_secret: secret() },
      heartbeat: { ...(seed.heartbeat as object), authkey: secret() },
    });
    const got = checkSpec(draftToAnswer(draft, facts));
    expect(got.ok && expected.ok).toBe(true);
    if (got.ok && expected.ok) expect(got.spec).toEqual(expected.spec);
    expect(draft.generatedSecrets).toEqual(["drbd.shared_secret", "heartbeat.authkey"]);
  });

  it("finds node A's NICs and disk on this machine by the answer's MACs and selector", async () => {
    const draft = createDraft(fixture("node-a"), await seedAnswer(), secret);
    expect(draft.bond).toEqual(["ens3", "ens4"]);
    expect(draft.repl).toBe("ens5");
    expect(draft.disk).toBe("sda");
    expect(draft.answerDiskSelector).toEqual({ model: "QEMU HARDDISK*", min_size: "8GiB" });
  });

  it("asks for NIC roles on a machine whose MACs the answer does not know", async () => {
    const facts = fixture("nics-renamed");
    const draft = createDraft(facts, await seedAnswer(), secret);
    expect(draft.bond).toEqual([]);
    expect(checkDraft(draft, facts).byTarget.get("nics")).toContain(
      "pick two NICs for the bond (Space on a NIC)",
    );
    // This machine has node B's NICs: node A's are listed, but given no role unasked.
    expect(nicChoices(draft, facts).map((n) => n.mac)).toEqual([
      "52:54:00:00:0b:03",
      "52:54:00:00:0b:02",
      "52:54:00:00:0b:01",
      "52:54:00:00:0a:01",
      "52:54:00:00:0a:02",
      "52:54:00:00:0a:03",
    ]);
  });

  it("keeps node A's NICs that this machine lacks (a lab host), and says they are not here", async () => {
    const facts = fixture("host-loops");
    const draft = createDraft(facts, await seedAnswer(), secret);
    expect(draft.bond).toEqual(["absent:52:54:00:00:0a:01", "absent:52:54:00:00:0a:02"]);
    expect(draft.repl).toBe("absent:52:54:00:00:0a:03");
    const checked = checkDraft(draft, facts);
    expect(checked.byTarget.get("nics")).toBeUndefined();
    expect(checked.warnings.get("nics")?.[0]).toMatch(
      /^lan0 \(52:54:00:00:0a:01\), lan1 \(52:54:00:00:0a:02\), repl0 \(52:54:00:00:0a:03\) are not on this machine/,
    );
    const nodes = draftToAnswer(draft, facts).nodes as { nics: unknown }[];
    expect(nodes[0]?.nics).toEqual({
      lan0: "52:54:00:00:0a:01",
      lan1: "52:54:00:00:0a:02",
      repl0: "52:54:00:00:0a:03",
    });
  });

  it("replaces the answer's disk selector by the serial when the user picks another disk", async () => {
    const facts = fixture("two-equal-disks");
    const seed = await seedAnswer();
    const draft = createDraft(facts, seed, secret);
    // The seed's model rule matches both disks here, so the wizard does not guess.
    expect(draft.disk).toBeNull();
    const answer = draftToAnswer({ ...draft, disk: "sdb" }, facts);
    expect((answer.nodes as { disk: unknown }[])[0]?.disk).toEqual({ serial: "QM00002" });
  });
});
