// Values are checked as they are typed, with the shared validator's own messages next to the field, and
// the Next button refuses while any remain.
import { afterEach, describe, expect, it } from "vitest";
import { checkSpec } from "../../src/answer/validate.js";
import { KEY, TERMINALS, colouredCells, isError, isSelected, openVt, type Vt, seedAnswer } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

/** What `pairboot validate` says about a value at a path of the seed answer. */
async function validatorMessage(path: (string | number)[], value: unknown): Promise<string> {
  const answer = structuredClone(await seedAnswer()) as Record<string, unknown>;
  let at: Record<string | number, unknown> = answer;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1] as string | number] = value;
  const result = checkSpec(answer);
  if (result.ok) throw new Error("expected an issue");
  const issue = result.issues.find((i) => i.path.join(".") === path.join("."));
  if (!issue) throw new Error(`no issue at ${path.join(".")}`);
  return issue.message;
}

/** The message as the screen shows it: wrapped, so compare its first words. */
function opening(message: string): string {
  return message.split(" ").slice(0, 5).join(" ");
}

describe("checking values as they are typed", () => {
  it.each(TERMINALS)(
    "shows the validator's message at a bad address, refuses Next, and clears it once corrected (TERM=$terminal)",
    async (t) => {
      vt = await openVt({ ...t, answer: { path: "seed", object: await seedAnswer() } });
      await vt.press(KEY.enter, KEY.enter); // start, the pre-selected disk
      await vt.fill("nodeALan", "192.168.42.1");
      const expected = await validatorMessage(["nodes", 0, "lan"], "192.168.42.1");
      let screen = await vt.text();
      expect(screen).toMatch(/! LAN address \(bond\)\s+\[192\.168\.42\.1\s/);
      expect(screen).toContain(`! ${opening(expected)}`);
      expect(await isSelected(vt, "[192.168.42.1 ")).toBe(true);
      expect(await isError(vt, `! ${opening(expected)}`)).toBe(true);
      expect(await colouredCells(vt)).toEqual([]);

      await vt.tabTo("next");
      await vt.press(KEY.enter);
      screen = await vt.text();
      expect(screen).toContain("step 2 of 5: network");
      expect(screen).toContain("Fix the 1 marked entry first");
      expect(await isError(vt, "Fix the 1 marked entry first")).toBe(true);

      await vt.fill("nodeALan", "192.168.42.1/24");
      screen = await vt.text();
      expect(screen).not.toContain(opening(expected));
      expect(screen).not.toMatch(/! LAN address/);
      expect(await isSelected(vt, "[192.168.42.1/24")).toBe(true);
      await vt.tabTo("next");
      await vt.press(KEY.enter);
      expect(await vt.text()).toContain("step 3 of 5: cluster");
      expect(await colouredCells(vt)).toEqual([]);
    },
  );

  it("shows cross-field rules too: a cluster name equal to a node name", async () => {
    vt = await openVt({ answer: { path: "seed", object: await seedAnswer() } });
    await vt.press(KEY.enter, KEY.enter);
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    await vt.fill("clusterName", "node-a");
    const expected = await validatorMessage(["cluster", "name"], "node-a");
    const screen = await vt.text();
    expect(expected).toContain("different from the node names");
    expect(screen).toContain(`! ${opening(expected)}`);
  });

  it("checks the fresh form only once a field is touched, then every marked field on Next", async () => {
    vt = await openVt();
    await vt.press(KEY.enter, KEY.enter); // install, sda
    let screen = await vt.text();
    expect(screen).not.toContain("!");
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("step 2 of 5: network");
    expect(screen).toMatch(/Fix the \d+ marked entries first/);
    expect(screen).toContain("! pick two NICs for the bond (Space on a NIC)");
    expect(screen).toMatch(/! LAN address \(bond\)\s+\[\s+\]/);
    // The focus went to the first thing to fix: the NIC table.
    expect(vt.handle.state().cursor.network).toBe(0);
  });

  it("refuses two different passwords", async () => {
    vt = await openVt({ answer: { path: "seed", object: await seedAnswer() } });
    await vt.press(KEY.enter, KEY.enter);
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    await vt.fill("password", "secret-one");
    await vt.fill("password2", "secret-two");
    let screen = await vt.text();
    expect(screen).toContain("! the two passwords differ");
    expect(screen).not.toContain("secret-one");
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    expect(await vt.text()).toContain("Fix the 1 marked entry first");
    await vt.fill("password2", "secret-one");
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("step 4 of 5: review");
    // The plain password is gone once it is hashed.
    expect(vt.handle.state().draft.fields.password).toBe("");
    expect(vt.handle.state().draft.passwordHash).toMatch(/^\$6\$/);
  });
});
