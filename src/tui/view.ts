// Pure views: wizard state -> the text of each part of the frame (title bar, body, status line, help
// line, optional dialog), with blessed tags from the theme. app.ts only copies these strings into boxes,
// so what the user sees is decided here and can be tested without a terminal.
import { CLONE_PORT } from "../clone/peer.js";
import {
  checkDraft,
  chosenDisk,
  isAbsentNic,
  nicChoices,
  nicNames,
  type FieldId,
  type Target,
} from "./model/draft.js";
import { partitionLines } from "./model/disks.js";
import { bar, fit, fitTail, formatBytes, formatDuration, wrap } from "./model/format.js";
import { MARKS, etaSeconds, overallRatio } from "./model/progress.js";
import { layoutLines, reviewData } from "./model/review.js";
import { saveHint } from "./model/stick.js";
import {
  START_CHOICES,
  peerErrors,
  receivingNode,
  receiveSpec,
  type PeerField,
  cursorOf,
  diskList,
  focusItems,
  isEditing,
  minimumBytes,
  nicRole,
  physicalNics,
  reviewItems,
  PAGER_PAGE,
  type ScreenId,
  type WizardState,
} from "./model/wizard.js";
import { esc, type Theme } from "./theme.js";

export interface Frame {
  title: string;
  body: string[];
  status: string;
  help: string;
  dialog: { title: string; lines: string[] } | null;
}

export interface Size {
  cols: number;
  rows: number;
}

/** Body area inside the border: the title, status and help lines plus the border take 5 rows, 2 columns. */
export function bodySize(size: Size): Size {
  return { cols: Math.max(20, size.cols - 2), rows: Math.max(4, size.rows - 5) };
}

const STEPS: Partial<Record<ScreenId, string>> = {
  disk: "step 1 of 5: disk",
  network: "step 2 of 5: network",
  cluster: "step 3 of 5: cluster",
  review: "step 4 of 5: review",
  pager: "step 4 of 5: review",
  confirm: "step 5 of 5: confirm",
  progress: "installing",
  done: "finished",
  start: "start",
  load: "load an answer file",
};

function stepTitle(state: WizardState): string {
  if (state.mode === "receive") {
    const receiving: Partial<Record<ScreenId, string>> = {
      receive: "receive a clone: node A",
      disk: "receive a clone: disk",
      confirm: "receive a clone: confirm",
      progress: "receiving a clone",
    };
    return receiving[state.screen] ?? STEPS[state.screen] ?? "";
  }
  if (state.mode === "send" && state.screen === "progress") return "sending a clone";
  return STEPS[state.screen] ?? "";
}

/** The disk the current flow writes to: node A's (install) or this machine's as node B (receive). */
function targetDisk(state: WizardState) {
  const name = state.mode === "receive" ? state.receiveDisk : state.draft.disk;
  return state.facts.disks.find((d) => d.name === name);
}

export const FIELD_INFO: Record<FieldId, { label: string; hint: string; secret?: boolean }> = {
  nodeALan: { label: "LAN address (bond)", hint: "192.168.42.1/24" },
  nodeARepl: { label: "Replication address", hint: "10.0.0.1/30" },
  nodeBLan: { label: "LAN address (bond)", hint: "192.168.42.2/24" },
  nodeBRepl: { label: "Replication address", hint: "10.0.0.2/30" },
  nodeBMac0: { label: "MAC of lan0", hint: "52:54:00:12:34:56" },
  nodeBMac1: { label: "MAC of lan1", hint: "52:54:00:12:34:57" },
  nodeBMacRepl: { label: "MAC of repl0", hint: "52:54:00:12:34:58" },
  clusterName: { label: "Cluster name", hint: "nfs1" },
  domain: { label: "DNS domain", hint: "optional" },
  nodeAName: { label: "Node A host name", hint: "node-a" },
  nodeBName: { label: "Node B host name", hint: "node-b" },
  serviceIp: { label: "Service IP (floating)", hint: "192.168.42.42/24" },
  gateway: { label: "Gateway", hint: "optional" },
  dns: { label: "DNS servers", hint: "comma separated" },
  exportPath: { label: "Export path", hint: "/data/export" },
  exportClients: { label: "Export clients", hint: "192.168.42.0/24" },
  exportOptions: { label: "Export options", hint: "rw, sync, ..." },
  timeServers: { label: "Time servers", hint: "comma separated" },
  sshKey: { label: "SSH public key", hint: "ssh-ed25519 ..." },
  password: { label: "Root password", hint: "", secret: true },
  password2: { label: "Root password again", hint: "", secret: true },
};

const LABEL_W = 22;
const VALUE_W = 30;

export function renderFrame(state: WizardState, theme: Theme, size: Size): Frame {
  const body = bodySize(size);
  const demo = state.demo ? "  [DEMO: nothing is written]" : "";
  const title = fit(` pairboot wizard - ${stepTitle(state)}${demo}`, size.cols);
  const lines = bodyLines(state, theme, body);
  const status = statusLine(state, theme, size.cols);
  return {
    title: theme.mono
      ? `{inverse}${esc(title)}{/inverse}`
      : `{white-fg}{blue-bg}${esc(title)}{/blue-bg}{/white-fg}`,
    body: lines,
    status,
    help: esc(fit(helpLine(state), size.cols)),
    dialog: dialog(state, theme, body),
  };
}

function statusLine(state: WizardState, theme: Theme, cols: number): string {
  const m = state.message;
  if (!m) return "";
  const text = fit(m.text, cols);
  return m.kind === "error" ? theme.error(text) : esc(text);
}

export function helpLine(state: WizardState): string {
  const quit = isEditing(state) ? "^C quit" : "q quit";
  const help = isEditing(state) ? "F1 help" : "F1/? help";
  switch (state.screen) {
    case "start":
      return `Up/Down move  Enter choose  ${help}  ${quit}`;
    case "load":
      return `Type the path  Enter load  Esc back  ${help}  ${quit}`;
    case "receive":
      return `Tab/S-Tab/arrows move  Enter next  Esc back  ${help}  ${quit}`;
    case "disk":
      return `Up/Down move  Enter choose disk  Esc back  ${help}  ${quit}`;
    case "network": {
      const onNic = focusItems(state)[cursorOf(state)]?.kind === "nic";
      return onNic
        ? `Tab/S-Tab/arrows move  Space role  Esc back  ${help}  ${quit}`
        : `Tab/S-Tab/arrows move  Enter next  Esc back  ${help}  ${quit}`;
    }
    case "cluster":
      return `Tab/S-Tab/arrows move  Enter next  Esc back  ${help}  ${quit}`;
    case "review":
      return `Up/Down move  Enter view/install  Esc back  ${help}  ${quit}`;
    case "pager":
      return "Up/Down/PgUp/PgDn scroll  Esc back  F1 help";
    case "confirm":
      return `Type the disk name  Enter start  Esc back  ${help}  ${quit}`;
    case "progress":
      return state.mode === "install" ? "Installing: please wait  F1 help" : "Cloning: please wait  F1 help";
    case "done":
      return "Enter or q: leave the wizard";
  }
}

function bodyLines(state: WizardState, theme: Theme, size: Size): string[] {
  switch (state.screen) {
    case "start":
      return startBody(state, theme, size);
    case "load":
      return loadBody(state, theme, size);
    case "receive":
      return receiveBody(state, theme, size);
    case "disk":
      return diskBody(state, theme, size);
    case "network":
    case "cluster":
      return formBody(state, theme, size);
    case "review":
      return reviewBody(state, theme, size);
    case "pager":
      return pagerBody(state, theme, size);
    case "confirm":
      return confirmBody(state, theme, size);
    case "progress":
      return progressBody(state, theme, size);
    case "done":
      return doneBody(state, theme, size);
  }
}

function prose(text: string, size: Size, indent = 1): string[] {
  const pad = " ".repeat(indent);
  return wrap(text, size.cols - indent - 1).map((l) => esc(pad + l));
}

/**
 * Show `lines` in `height` rows. Scroll only as far as needed to keep the focused line and the two after
 * it (its error message) in view, so the screen's explanation at the top stays visible whenever it can.
 */
function viewport(lines: string[], focus: number, height: number): string[] {
  if (lines.length <= height) return lines;
  const top = Math.max(0, Math.min(lines.length - height, focus + 3 - height));
  return lines.slice(top, top + height);
}

function errorLines(theme: Theme, messages: string[] | undefined, size: Size, indent: number): string[] {
  if (!messages) return [];
  return messages.flatMap((m) =>
    wrap(m, size.cols - indent - 3).map(
      (l, i) => `${" ".repeat(indent)}${theme.error(`${i === 0 ? "!" : " "} ${l}`)}`,
    ),
  );
}

function shownErrors(state: WizardState, t: Target): string[] | undefined {
  if (!state.shown.has(t)) return undefined;
  return checkDraft(state.draft, state.facts).byTarget.get(t);
}

function startBody(state: WizardState, theme: Theme, size: Size): string[] {
  const out: string[] = [""];
  out.push(
    ...prose(
      "pairboot turns two servers into an active/passive HA NFS server. What do you want to do on this machine?",
      size,
    ),
  );
  out.push("");
  const cur = cursorOf(state);
  START_CHOICES.forEach((c, i) => {
    const unavailable = !state.available.has(c.id);
    const text = fit(`  ${i + 1}. ${c.label}${unavailable ? "  (not available yet)" : ""}`, size.cols - 2);
    out.push(` ${i === cur ? theme.selected(text) : unavailable ? theme.quiet(text) : esc(text)}`);
  });
  out.push("");
  const chosen = START_CHOICES[cur];
  if (chosen) out.push(...prose(chosen.detail, size, 3));
  out.push("");
  const f = state.facts;
  out.push(
    ...prose(
      `This machine: ${f.dmi.vendor ?? "?"} ${f.dmi.product ?? ""}, ${f.disks.length} disk(s), ${physicalNics(f).length} NIC(s).`,
      size,
    ),
  );
  if (state.answerSource)
    out.push(...prose(`Answer file: ${state.answerSource} (every screen is pre-filled).`, size));
  return out;
}

function loadBody(state: WizardState, theme: Theme, size: Size): string[] {
  return [
    "",
    ...prose(
      "Type the path of a pairboot answer file (YAML). Every screen is then pre-filled from it; you review each one and may change any value.",
      size,
    ),
    "",
    `  ${fit("Answer file", LABEL_W)} ${theme.selected(`[${fitTail(state.loadPath, size.cols - LABEL_W - 8)}]`)}`,
    "",
    // A YAML error names file:line:col and is longer than the status line: show all of it here.
    ...(state.message?.kind === "error" ? errorLines(theme, state.message.text.split("; "), size, 2) : []),
  ];
}

function receiveBody(state: WizardState, theme: Theme, size: Size): string[] {
  const items = focusItems(state);
  const cur = cursorOf(state);
  const errors = peerErrors(state);
  const r = receiveSpec(state);
  const who =
    r.ok && r.spec
      ? `("${receivingNode(state, r.spec)}" in the answer file)`
      : "(its name and addresses come from the answer file on node A's disk)";
  const out: string[] = [
    ...prose(
      `This machine becomes node B ${who}. On node A, boot the stick and choose "Send a clone": it shows a pairing code. Type node A's address and that code here.`,
      size,
    ),
    "",
  ];
  const labels: Record<PeerField, [string, string]> = {
    address: ["Node A's address", `10.0.0.1[:${CLONE_PORT}]`],
    code: ["Pairing code", "XXXX-XXXX-XXXX"],
  };
  items.forEach((it, i) => {
    if (it.kind !== "peer") return;
    const [label, hint] = labels[it.id];
    const value = state.peer[it.id];
    const shown = state.shown.has(it.id === "address" ? "peer:address" : "peer:code");
    const err = shown ? errors[it.id] : undefined;
    const box = `[${fitTail(value, VALUE_W)}]`;
    out.push(
      ` ${esc(fit(`${err ? "!" : " "} ${label}`, LABEL_W + 2))} ${i === cur ? theme.selected(box) : esc(box)} ${theme.quiet(i === cur || value === "" ? fit(hint, size.cols - LABEL_W - VALUE_W - 7).trimEnd() : "")}`,
    );
    out.push(...errorLines(theme, err ? [err] : undefined, size, LABEL_W + 4));
  });
  out.push("");
  const next = "[ Next ]";
  out.push(` ${" ".repeat(LABEL_W + 2)} ${cur === items.length - 1 ? theme.selected(next) : esc(next)}`);
  return out;
}

function diskBody(state: WizardState, theme: Theme, size: Size): string[] {
  const rows = diskList(state);
  const cur = cursorOf(state);
  const out: string[] = [];
  const receiving = state.mode === "receive";
  out.push(
    ...prose(
      receiving
        ? "Choose this machine's disk for node B. Everything on it will be replaced by node A's system."
        : "Choose the disk to install node A onto. Everything on it will be erased.",
      size,
    ),
  );
  out.push("");
  const row = (mark: string, name: string, sz: string, model: string, serial: string, note: string) =>
    `${fit(mark, 2)}${fit(name, 9)}${fit(sz, 12)}${fit(model, 24)}${fit(serial, 18)}${fit(note, size.cols - 66)}`;
  out.push(theme.heading(row("", "NAME", "SIZE", "MODEL", "SERIAL", "NOTE")));
  rows.forEach((r, i) => {
    const d = r.disk;
    const note = d.isBootMedium
      ? "boot medium"
      : r.blockers.some((b) => b.kind === "too-small")
        ? "too small"
        : r.refusal
          ? "unusable"
          : d.partitions.length > 0
            ? `${d.partitions.length} partitions`
            : "empty";
    const text = row(
      (receiving ? state.receiveDisk : state.draft.disk) === d.name ? "*" : "",
      d.name,
      formatBytes(d.sizeBytes),
      d.model ?? "(no model)",
      d.serial ?? "(no serial)",
      note,
    );
    out.push(i === cur ? theme.selected(text) : r.refusal ? theme.quiet(text) : esc(text));
  });
  const r = rows[cur];
  if (r) {
    out.push("");
    const d = r.disk;
    out.push(
      theme.heading(
        fit(
          ` ${d.path}: ${d.model ?? "no model"}, ${formatBytes(d.sizeBytes)}, ${d.transport ?? "?"}${d.removable ? ", removable" : ""}`,
          size.cols,
        ),
      ),
    );
    out.push(
      ...partitionLines(d)
        .slice(0, 5)
        .map((l) => esc(fit(`   ${l}`, size.cols))),
    );
    if (d.partitions.length > 5) out.push(esc(`   ... and ${d.partitions.length - 5} more`));
    if (r.refusal) out.push(...errorLines(theme, [`cannot be chosen: ${r.refusal}`], size, 1));
    else if (r.warning) out.push(...prose(`Note: ${r.warning}.`, size));
  }
  out.push("");
  out.push(...prose(`Needed: at least ${formatBytes(minimumBytes(state))}.`, size));
  return out;
}

function fieldLine(state: WizardState, theme: Theme, id: FieldId, focused: boolean, width: number): string {
  const info = { ...FIELD_INFO[id] };
  // Node B's MAC fields are named after the NIC names the answer uses (lan0, lan1, repl0 by default).
  const [slave0, slave1, replName] = nicNames(state.draft);
  const macOf = { nodeBMac0: slave0, nodeBMac1: slave1, nodeBMacRepl: replName } as Partial<
    Record<FieldId, string>
  >;
  if (macOf[id]) info.label = `MAC of ${macOf[id]}`;
  const raw = state.draft.fields[id];
  const value = info.secret ? "*".repeat(raw.length) : raw;
  const box = `[${fitTail(value, VALUE_W)}]`;
  // The example only while it helps: on the field being typed into, or next to an empty one.
  let hint = focused || raw === "" ? info.hint : "";
  if (id === "password" && state.draft.passwordHash && raw === "") hint = "empty: keep current";
  if (id === "password" && !state.draft.passwordHash && raw === "") hint = "empty: none";
  const mark =
    state.shown.has(id) && (checkDraft(state.draft, state.facts).byTarget.get(id)?.length ?? 0) > 0;
  const label = fit(`${mark ? "!" : " "} ${info.label}`, LABEL_W + 2);
  const room = Math.max(0, width - label.length - box.length - 3);
  return ` ${esc(label)} ${focused ? theme.selected(box) : esc(box)} ${theme.quiet(fit(hint, room).trimEnd())}`;
}

function formBody(state: WizardState, theme: Theme, size: Size): string[] {
  const items = focusItems(state);
  const cur = cursorOf(state);
  const out: string[] = [];
  let focusLine = 0;
  const markFocus = (i: number) => {
    if (i === cur) focusLine = out.length;
  };
  const fieldWithErrors = (id: FieldId, i: number) => {
    markFocus(i);
    out.push(fieldLine(state, theme, id, i === cur, size.cols));
    out.push(...errorLines(theme, shownErrors(state, id), size, LABEL_W + 4));
    const warn = checkDraft(state.draft, state.facts).warnings.get(id);
    if (warn) out.push(...warn.flatMap((w) => prose(`note: ${w}`, size, LABEL_W + 4)));
  };
  if (state.screen === "network") {
    out.push(
      ...prose(
        "Space on a NIC gives it a role: the first two become the bond (lan0 is the primary), the third the replication link to node B.",
        size,
      ),
    );
    out.push("");
    const head = (role: string, name: string, mac: string, link: string, speed: string, driver: string) =>
      `${fit(role, 8)}${fit(name, 11)}${fit(mac, 19)}${fit(link, 6)}${fit(speed, 12)}${fit(driver, size.cols - 56)}`;
    out.push(theme.heading(head(" ROLE", "NAME", "MAC", "LINK", "SPEED", "DRIVER")));
    items.forEach((it, i) => {
      if (it.kind !== "nic") return;
      const nic = nicChoices(state.draft, state.facts).find((n) => n.name === it.name);
      if (!nic) return;
      markFocus(i);
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
  } else {
    out.push(
      ...prose(
        "The cluster: names, the floating service IP clients mount, what is exported, and how you log in.",
        size,
      ),
    );
    out.push("");
  }
  items.forEach((it, i) => {
    if (it.kind !== "field") return;
    if (it.id === "nodeBLan") {
      out.push(theme.heading(` The other machine: node B (${state.draft.fields.nodeBName || "?"})`));
      out.push(...errorLines(theme, shownErrors(state, "nodeBNics"), size, 1));
    }
    if (it.id === "serviceIp" || it.id === "exportPath" || it.id === "sshKey") out.push("");
    fieldWithErrors(it.id, i);
  });
  out.push("");
  const nextIndex = items.length - 1;
  markFocus(nextIndex);
  const next = "[ Next ]";
  out.push(` ${" ".repeat(LABEL_W + 2)} ${cur === nextIndex ? theme.selected(next) : esc(next)}`);
  return viewport(out, focusLine, size.rows);
}

function reviewBody(state: WizardState, theme: Theme, size: Size): string[] {
  const data = reviewData(state);
  const out: string[] = [];
  const disk = chosenDisk(state.draft, state.facts);
  const spec = data.spec;
  let focusLine = 0;
  if (spec && disk) {
    const a = spec.nodes[0];
    const b = spec.nodes[1];
    out.push(
      theme.heading(
        fit(
          ` Node A "${a?.name}" on ${disk.path} (${disk.model ?? "no model"}, ${formatBytes(disk.sizeBytes)}):`,
          size.cols,
        ),
      ),
    );
    out.push(...layoutLines(spec, disk.sizeBytes).map((l) => esc(fit(`   ${l}`, size.cols))));
    out.push(
      ...prose(
        `Cluster ${spec.cluster.name}${spec.cluster.domain ? `.${spec.cluster.domain}` : ""}, service IP ${spec.service.ip}, node B "${b?.name}" ${b?.lan}. Node B's disk is chosen on node B when it receives the clone.`,
        size,
      ),
    );
  }
  if (data.problems.length > 0) {
    out.push(theme.error(" The answer is not valid yet:"));
    out.push(...errorLines(theme, data.problems, size, 2));
  }
  out.push("");
  out.push(
    theme.heading(` Files written on node A (${data.files.length}); Enter shows one, secrets masked:`),
  );
  const items = reviewItems(state, data.files.length);
  const cur = cursorOf(state);
  items.forEach((it, i) => {
    if (i === cur) focusLine = out.length;
    let text: string;
    if (it.kind === "file") {
      const f = data.files[it.index];
      const n = f ? f.content.split("\n").length - (f.content.endsWith("\n") ? 1 : 0) : 0;
      text = fit(
        `   ${fit(f?.path ?? "", 50)} ${(f?.mode ?? 0).toString(8).padStart(4, "0")}  ${n} ${n === 1 ? "line" : "lines"}${f?.secret ? "  secret" : ""}`,
        size.cols - 2,
      );
    } else if (it.kind === "answer") {
      text = fit("   [ View the answer file ]", size.cols - 2);
    } else {
      text = fit(`   [ Install node A on ${disk?.name ?? "?"} ]`, size.cols - 2);
    }
    if (it.kind === "answer") out.push("");
    out.push(i === cur ? theme.selected(text) : esc(text));
  });
  return viewport(out, focusLine, size.rows);
}

function pagerBody(state: WizardState, theme: Theme, size: Size): string[] {
  const p = state.pager;
  if (!p) return [];
  const height = Math.min(size.rows - 2, PAGER_PAGE);
  const shown = p.lines.slice(p.top, p.top + height);
  const end = Math.min(p.lines.length, p.top + height);
  return [
    theme.heading(fit(` ${p.title}`, size.cols)),
    ...shown.map((l) => esc(fit(l, size.cols))),
    theme.quiet(
      fit(` -- lines ${p.lines.length === 0 ? 0 : p.top + 1}-${end} of ${p.lines.length} --`, size.cols),
    ),
  ];
}

function confirmBody(state: WizardState, theme: Theme, size: Size): string[] {
  const disk = targetDisk(state);
  if (!disk) return [];
  const parts = disk.partitions.length;
  return [
    "",
    theme.error(fit(` ALL DATA ON ${disk.path} WILL BE ERASED`, size.cols)),
    "",
    ...prose(
      `${disk.path}: ${disk.model ?? "no model"}, ${formatBytes(disk.sizeBytes)}, serial ${disk.serial ?? "none"}, ${parts} existing partition(s).`,
      size,
    ),
    ...partitionLines(disk)
      .slice(0, 4)
      .map((l) => esc(`   ${l}`)),
    "",
    ...prose(
      `To go on, type the disk's name (${disk.name}) and press Enter. Anything else erases nothing.`,
      size,
    ),
    "",
    `  ${fit("Disk to erase", LABEL_W)} ${theme.selected(`[${fitTail(state.confirmText, 12)}]`)}`,
    "",
    ...prose(
      state.demo
        ? "Demo mode: the simulated engine writes nothing."
        : state.mode === "receive"
          ? "Node A's system is copied over the network, then node B's own names and addresses are written."
          : `The answer file is saved first, ${saveHint(state.facts)}; then the install starts.`,
      size,
    ),
  ];
}

function progressBody(state: WizardState, theme: Theme, size: Size): string[] {
  const p = state.progress;
  const disk = state.installing?.disk;
  const sim = state.demo ? " (simulated)" : "";
  const heading =
    state.mode === "receive"
      ? ` Receiving node A's system onto ${disk?.path ?? "?"}${sim}`
      : state.mode === "send"
        ? ` Sending this node A's system to node B${sim}`
        : ` Installing node A onto ${disk?.path ?? "?"}${sim}`;
  const out: string[] = [theme.heading(fit(heading, size.cols)), ""];
  if (state.mode === "send") {
    if (state.sendInfo) {
      out.push(theme.selected(fit(`  Pairing code:  ${state.sendInfo.code}  `, 40)));
      out.push(
        ...prose(
          `On node B: boot the stick, choose "Receive a clone as node B", and type this node's address (port ${state.sendInfo.port}) and the code.`,
          size,
        ),
      );
    } else {
      out.push(esc("  preparing ..."));
    }
    out.push("");
  }
  if (!p) return [...out, esc("  starting ...")];
  const r = overallRatio(p);
  const eta = etaSeconds(p);
  const elapsed = (p.now - p.startedAt) / 1000;
  out.push(
    esc(
      ` ${bar(r, 42)} ${String(Math.round(r * 100)).padStart(3)}%  ${formatDuration(elapsed)} elapsed, ETA ${eta === null ? "--:--" : formatDuration(eta)}`,
    ),
  );
  out.push("");
  for (const t of p.tasks) {
    const pct =
      t.state === "running" && t.ratio > 0 ? ` ${String(Math.round(t.ratio * 100)).padStart(3)}%` : "";
    const line = fit(` ${MARKS[t.state]} ${t.title}${pct}`, size.cols);
    out.push(
      t.state === "running" ? theme.heading(line) : t.state === "failed" ? theme.error(line) : esc(line),
    );
    if (t.detail && (t.state === "running" || t.state === "failed" || t.state === "skipped")) {
      out.push(esc(fit(`        ${t.detail}`, size.cols)));
    }
  }
  const room = size.rows - out.length - 1;
  if (room > 0 && p.log.length > 0) {
    out.push("");
    out.push(...p.log.slice(-room + 1).map((l) => theme.quiet(fit(`  ${l}`, size.cols))));
  }
  return out.slice(0, size.rows);
}

function doneBody(state: WizardState, theme: Theme, size: Size): string[] {
  const d = state.done;
  if (!d) return [];
  const out: string[] = [""];
  const what = {
    install: "Node A is installed.",
    receive: "Node B is installed.",
    send: "Node B has its copy.",
  };
  if (d.ok) {
    out.push(
      theme.good(
        fit(
          state.demo ? " Demo finished: nothing was written to any disk." : ` ${what[state.mode]}`,
          size.cols,
        ),
      ),
    );
  } else {
    out.push(
      theme.error(fit(state.mode === "install" ? " The install failed." : " The clone failed.", size.cols)),
    );
    if (d.message) out.push(...errorLines(theme, [d.message], size, 1));
  }
  if (state.mode !== "install" || d.answerPath === null) {
    out.push("");
    if (d.ok && state.mode === "receive") {
      out.push(
        ...prose(
          "Next: remove the stick and reboot node B. Once both nodes are up, DRBD syncs and Heartbeat starts the NFS service on the preferred node; `pairboot status` shows it.",
          size,
        ),
      );
    } else if (d.ok) {
      out.push(
        ...prose("Next: remove the stick and reboot node A; node B finishes on its own screen.", size),
      );
    } else {
      out.push(
        ...prose(
          "Nothing is marked complete on node B's disk until every section checked out: run the clone again.",
          size,
        ),
      );
    }
    return out;
  }
  out.push("");
  out.push(...savedLines(d, size));
  out.push("");
  if (d.ok) {
    out.push(theme.heading(state.demo ? " Next, in a real run:" : " Next:"));
    out.push(...prose("1. Remove the stick and reboot this machine: it comes up as node A.", size, 3));
    out.push(...prose('2. Boot node B from the stick and choose "Receive a clone as node B".', size, 3));
    out.push(...prose(`Unattended replay: pairboot install --answer ${d.answerPath}`, size, 3));
  } else {
    out.push(
      ...prose(
        `Fix the cause, then run it again to resume: pairboot install --answer ${d.answerPath}`,
        size,
        3,
      ),
    );
  }
  return out;
}

/** Where the answer file went, its path on a line of its own (whole, so it can be copied). */
function savedLines(d: NonNullable<WizardState["done"]>, size: Size): string[] {
  const path = d.answerPath ?? "";
  const saved = d.saved;
  const out: string[] = [];
  if (saved?.onStick) {
    out.push(
      ...prose(
        `The answer file was saved on the pairboot stick${saved.device ? ` (PAIRBOOT partition ${saved.device})` : ""}:`,
        size,
      ),
    );
  } else {
    const why = saved?.notOnStick ?? "it was not saved on the stick";
    out.push(
      ...prose(
        `${why[0]?.toUpperCase() ?? ""}${why.slice(1)}, so the answer file was saved here instead:`,
        size,
      ),
    );
  }
  const room = size.cols - 4;
  for (let i = 0; i < path.length; i += room) out.push(esc(`   ${path.slice(i, i + room)}`));
  out.push(
    ...prose(
      saved?.onStick
        ? "Mode 0600: it holds the cluster's secrets."
        : "Mode 0600: it holds the cluster's secrets. It is not on the stick: copy it somewhere safe before you reboot.",
      size,
    ),
  );
  return out;
}

function dialog(state: WizardState, theme: Theme, size: Size): Frame["dialog"] {
  if (state.overlay === "quit") {
    return {
      title: " Quit? ",
      lines: [
        "",
        esc(" Quit the wizard? Nothing has been written to any disk."),
        "",
        ` ${theme.selected(" y ")} quit      ${esc("n / Esc: stay")}`,
      ],
    };
  }
  if (state.overlay === "help") {
    const lines = [
      "Tab, Down        next field or row",
      "Shift-Tab, Up    previous field or row",
      "Enter            choose / next field / press the button",
      "Space            give a NIC a role (network screen)",
      "Backspace, ^U    delete a character / clear the field",
      "Esc              back one screen",
      "F1, ?            this help (? only outside text fields)",
      "q, Ctrl-C        quit (asks first; q only outside text fields)",
      "",
      "Values are checked as you type; a ! marks an entry that",
      "keeps you on the screen. Nothing is written before the",
      "confirm screen, where you type the disk's name.",
      "",
      "Press any key to close this help.",
    ];
    return { title: " Help ", lines: lines.map((l) => esc(` ${fit(l, Math.min(62, size.cols - 6))}`)) };
  }
  return null;
}
