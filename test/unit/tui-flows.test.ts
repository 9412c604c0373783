// Each flow's screens in order, as the user walks them with Esc: the flows (src/tui/flows) are data, and
// this is what that data means on screen. Pure reducer, no terminal.
import { describe, expect, it } from "vitest";
import {
  initWizard,
  reduce,
  type Mode,
  type ScreenId,
  type WizardState,
} from "../../src/tui/model/wizard.js";
import { fixture } from "./tui-vt.js";

const deps = { hashPassword: (p: string) => p, now: () => 0 };

function at(mode: Mode, screen: ScreenId): WizardState {
  return {
    ...initWizard({ facts: fixture("node-a"), available: ["install", "receive", "send", "load"] }),
    mode,
    screen,
  };
}

const esc = (s: WizardState) => reduce(s, { name: "escape" }, deps).state;

describe("Esc along each flow", () => {
  it.each([
    ["install", "disk", "start"],
    ["install", "network", "disk"],
    ["install", "cluster", "network"],
    ["install", "review", "cluster"],
    ["install", "pager", "review"],
    ["install", "confirm", "review"],
    ["install", "load", "start"],
    ["receive", "receive", "start"],
    ["receive", "disk", "receive"],
    ["receive", "confirm", "disk"],
    ["receive", "load", "start"],
  ] as const)("%s flow: Esc on %s goes back to %s", (mode, from, to) => {
    expect(esc(at(mode, from)).screen).toBe(to);
  });

  it.each([
    ["install", "progress"],
    ["install", "done"],
    ["receive", "progress"],
    ["receive", "done"],
    ["send", "progress"],
    ["send", "done"],
  ] as const)("%s flow: Esc on %s stays there (the engine is running or has finished)", (mode, screen) => {
    const s = esc(at(mode, screen));
    expect(s.screen).toBe(screen);
    expect(s.overlay).toBeNull();
  });

  it("Esc on the start screen asks whether to quit", () => {
    expect(esc(at("install", "start")).overlay).toBe("quit");
  });
});
