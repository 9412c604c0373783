// The network screen: which NIC does what (Space gives a role), then both nodes' addresses.
import { NETWORK_FIELDS, checkDraft, isAbsentNic, nicChoices, type Target } from "../model/draft.js";
import { fit } from "../model/format.js";
import { nicRole, shownErrors } from "../model/derived.js";
import { cursorOf } from "../model/nav.js";
import type { FocusItem, WizardState } from "../model/state.js";
import { esc } from "../theme.js";
import { formScreen } from "./form.js";
import { errorLines, prose } from "./text.js";

function items(state: WizardState): FocusItem[] {
  return [
    ...nicChoices(state.draft, state.facts).map((n) => ({ kind: "nic" as const, name: n.name })),
    ...NETWORK_FIELDS.map((id) => ({ kind: "field" as const, id })),
    { kind: "next" },
  ];
}

/**
 * Space on a NIC: none -> bond -> replication -> none, skipping roles that are already full (a NIC the
 * answer names but this machine lacks gives its role up to a NIC of this machine).
 */
function cycleRole(state: WizardState, nic: string): WizardState {
  const d = state.draft;
  let bond = d.bond.filter((n) => n !== nic);
  let repl = d.repl === nic ? null : d.repl;
  const wasBond = d.bond.includes(nic);
  const wasRepl = d.repl === nic;
  if (!wasBond && !wasRepl) {
    if (bond.length < 2) bond = [...bond, nic];
    else if (repl === null) repl = nic;
    else {
      // Every role is taken: a NIC of this machine takes over the first one an absent NIC holds.
      const i = bond.findIndex(isAbsentNic);
      if (i >= 0) bond = bond.map((n, j) => (j === i ? nic : n));
      else if (isAbsentNic(repl)) repl = nic;
    }
  } else if (wasBond && repl === null) {
    repl = nic;
  }
  const draft = { ...d, bond, repl };
  return { ...state, draft, shown: new Set([...state.shown, "nics" as Target]) };
}

export const network = formScreen({
  id: "network",
  title: "step 2 of 5: network",
  items,
  help: (state) => (items(state)[cursorOf(state)]?.kind === "nic" ? "Space role" : null),
  onItem(state, item, key) {
    if (item.kind !== "nic") return null;
    return key.name === "space" || key.name === "enter" ? cycleRole(state, item.name) : null;
  },
  leave: (state) => state,
  intro(state, theme, size) {
    const cur = cursorOf(state);
    let focus: number | null = null;
    const out: string[] = [
      ...prose(
        "Space on a NIC gives it a role: the first two become the bond (lan0 is the primary), the third the replication link to node B.",
        size,
      ),
      "",
    ];
    const head = (role: string, name: string, mac: string, link: string, speed: string, driver: string) =>
      `${fit(role, 8)}${fit(name, 11)}${fit(mac, 19)}${fit(link, 6)}${fit(speed, 12)}${fit(driver, size.cols - 56)}`;
    out.push(theme.heading(head(" ROLE", "NAME", "MAC", "LINK", "SPEED", "DRIVER")));
    items(state).forEach((it, i) => {
      if (it.kind !== "nic") return;
      const nic = nicChoices(state.draft, state.facts).find((n) => n.name === it.name);
      if (!nic) return;
      if (i === cur) focus = out.length;
      const role = nicRole(state.draft, nic.name);
      const absent = isAbsentNic(nic.name);
      const text = head(
        ` ${role ?? "-"}`,
        absent ? "(absent)" : nic.name,
        nic.mac,
        absent ? "-" : nic.link === null ? "?" : nic.link ? "up" : "down",
        nic.speedMbps ? `${nic.speedMbps} Mb/s` : "-",
        absent ? "not on this machine" : (nic.driver ?? ""),
      );
      out.push(i === cur ? theme.selected(text) : esc(text));
    });
    out.push(...errorLines(theme, shownErrors(state, "nics"), size, 1));
    const nicWarnings = checkDraft(state.draft, state.facts).warnings.get("nics") ?? [];
    out.push(...nicWarnings.flatMap((w) => prose(`note: ${w}`, size, 1)));
    out.push("");
    out.push(theme.heading(` This machine: node A (${state.draft.fields.nodeAName || "?"})`));
    return { lines: out, focus };
  },
});
