// Every file a node gets that holds a secret is marked secret (never printed, never logged) and readable
// by root alone, except DRBD's global_common.conf: dopd runs drbdadm as hacluster, which must read it, so
// it is 0640 and given to root:haclient (README, "Secrets").
import { describe, expect, it } from "vitest";
import { renderNode } from "../../src/render/index.js";
import { example, exampleNames, TEST_SECRETS } from "../support/fixtures.js";

describe("files holding secrets", () => {
  for (const name of exampleNames()) {
    it(`${name}: every file holding a secret is marked secret and 0600, global_common.conf 0640 root:haclient`, () => {
      const spec = example(name);
      for (const node of spec.nodes) {
        const tree = renderNode(spec, node.name);
        const holding = tree.files.filter((f) =>
          [TEST_SECRETS.drbd, TEST_SECRETS.heartbeat].some((s) => f.content.includes(s)),
        );
        expect(holding.map((f) => f.path).sort()).toEqual([
          "/etc/drbd.d/global_common.conf",
          "/etc/ha.d/authkeys",
        ]);
        for (const f of holding) {
          expect(f.secret).toBe(true);
          expect(f.mode.toString(8)).toBe(f.path === "/etc/drbd.d/global_common.conf" ? "640" : "600");
        }
        expect(tree.chrootCommands).toContain("chown root:haclient /etc/drbd.d/global_common.conf");
      }
    });
  }
});
