// validateSpecObject: the wizard's check of a plain object gives the same verdicts and messages as a file.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateSpecObject } from "../../src/answer/validate.js";
import { loadAnswerText } from "../../src/answer/load.js";
import { exampleText, seedDoc as seed } from "../support/fixtures.js";

const seedText = exampleText("seed");

describe("validateSpecObject", () => {
  it("accepts the seed cluster and fills its defaults", () => {
    const result = validateSpecObject(seed());
    expect(result.ok).toBe(true);
    expect(result.ok && result.spec.heartbeat.initdead).toBe(60_000);
  });

  it("reports schema problems with a dotted path and no position", () => {
    const answer = seed();
    answer.network.bond.mode = "lacp";
    answer.nodes[1].nics.lan0 = "52:54";
    const result = validateSpecObject(answer);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toEqual([
      { path: "nodes[1].nics.lan0", message: 'expected a MAC address like 52:54:00:12:34:56, got "52:54"' },
      {
        path: "network.bond.mode",
        message:
          'expected one of active-backup, balance-rr, 802.3ad, balance-xor, broadcast, balance-tlb, balance-alb, got "lacp"',
      },
    ]);
  });

  it("runs the cross-checks once the schema is satisfied", () => {
    const answer = seed();
    answer.service.ip = "192.168.42.1/24";
    const result = validateSpecObject(answer);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual(["service.ip"]);
  });

  it("says exactly what `pairboot validate` says about the same mistake", () => {
    const file = seedText.replace("deadtime: 10s", "deadtime: 10s\n  warntime: 30s");
    const loaded = loadAnswerText(file, "f.yaml");
    const checked = validateSpecObject(parse(file));
    const fromFile = loaded.ok ? [] : loaded.errors.map((e) => ({ path: e.path, message: e.message }));
    expect(fromFile).toHaveLength(1);
    expect(checked.ok ? [] : checked.issues).toEqual(fromFile);
  });

  it("names an unknown key and the allowed ones", () => {
    const answer = seed();
    answer.nfs.exports[0].optoins = ["rw"];
    const result = validateSpecObject(answer);
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: "nfs.exports[0].optoins",
        message: "unknown key 'optoins'; allowed: path, clients, options, fsid",
      },
    ]);
  });
});
