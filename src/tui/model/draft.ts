// The wizard's editable copy of the answer file. Form fields are kept as the text the user typed; the
// answer object is rebuilt from them on demand and checked by the shared validator, so the wizard never
// has rules of its own for a value the answer file also carries. Everything the wizard does not edit
// (DRBD, Heartbeat timings, storage, locale, extra exports, ...) passes through from the loaded answer.
import { DEFAULT_OS_SIZE, parseSize, type DiskSelector } from "../../answer/schema.js";
import { generateBmcPassword, generateSecret } from "../../answer/secret.js";
import type { DiskFacts, HardwareFacts, NicFacts } from "../../probe/facts.js";
import { validateAnswer, type Issue, type IssuePath, type Validation } from "../adapters.js";
import { disksMatching, selectorFor } from "./disks.js";

export type AnswerObject = Record<string, unknown>;

/** The network screen's fields, in screen order. */
export const NETWORK_FIELDS = [
  "nodeALan",
  "nodeARepl",
  "nodeBLan",
  "nodeBRepl",
  "nodeBMac0",
  "nodeBMac1",
  "nodeBMacRepl",
] as const;
/** The cluster screen's fields, in screen order. */
export const CLUSTER_FIELDS = [
  "clusterName",
  "domain",
  "nodeAName",
  "nodeBName",
  "serviceIp",
  "gateway",
  "dns",
  "exportPath",
  "exportClients",
  "exportOptions",
  "timeServers",
  "sshKey",
  "password",
  "password2",
] as const;
export const FIELD_IDS = [...NETWORK_FIELDS, ...CLUSTER_FIELDS] as const;
export type FieldId = (typeof FIELD_IDS)[number];

/** Things that get errors but are not text fields: the disk choice and the NIC roles. */
export type Target = FieldId | "disk" | "nics" | "nodeBNics" | "peer:address" | "peer:code";

export interface Draft {
  base: AnswerObject;
  fields: Record<FieldId, string>;
  /** The chosen disk's kernel name on this machine (sda), or null. */
  disk: string | null;
  /** The answer file's own selector, kept while the user stays with the disk it picks. */
  answerDiskSelector: Record<string, unknown> | null;
  /** Local NIC names chosen as the bond's two slaves (in order: the first is the primary) and for replication. */
  bond: string[];
  repl: string | null;
  /** The root password hash: from the answer file, or made from the typed password on leaving the screen. */
  passwordHash: string | null;
  /** Secrets the answer lacked and the wizard made up (answer keys); a clone must not invent them. */
  generatedSecrets: string[];
  /**
   * Node A's NICs that the loaded answer names by MAC but this machine does not have (a disk prepared on
   * another machine, a lab, or a typo in the file). They are offered as rows of their own, named
   * ABSENT_PREFIX + MAC, so the answer's MACs survive unless the user gives the role to a NIC here.
   */
  absentNics: NicFacts[];
}

export const ABSENT_PREFIX = "absent:";

export function isAbsentNic(name: string): boolean {
  return name.startsWith(ABSENT_PREFIX);
}

/** The NICs roles can be given to: this machine's physical NICs, then the answer's absent ones. */
export function nicChoices(draft: Draft, facts: HardwareFacts): NicFacts[] {
  return [...facts.nics.filter((n) => !n.virtual), ...draft.absentNics];
}

/** Where a field's value lives in the answer object; issues under this path are shown at the field. */
export function fieldPath(draft: Draft, id: Target): IssuePath {
  const [slave0, slave1, replName] = nicNames(draft);
  switch (id) {
    case "disk":
      return ["nodes", 0, "disk"];
    case "nics":
      return ["nodes", 0, "nics"];
    case "nodeBNics":
      return ["nodes", 1, "nics"];
    case "peer:address":
    case "peer:code":
      // Not part of the answer: the receive screen checks these itself.
      return ["@receive", id];
    case "nodeALan":
      return ["nodes", 0, "lan"];
    case "nodeARepl":
      return ["nodes", 0, "repl"];
    case "nodeBLan":
      return ["nodes", 1, "lan"];
    case "nodeBRepl":
      return ["nodes", 1, "repl"];
    case "nodeBMac0":
      return ["nodes", 1, "nics", slave0];
    case "nodeBMac1":
      return ["nodes", 1, "nics", slave1];
    case "nodeBMacRepl":
      return ["nodes", 1, "nics", replName];
    case "clusterName":
      return ["cluster", "name"];
    case "domain":
      return ["cluster", "domain"];
    case "nodeAName":
      return ["nodes", 0, "name"];
    case "nodeBName":
      return ["nodes", 1, "name"];
    case "serviceIp":
      return ["service", "ip"];
    case "gateway":
      return ["network", "gateway"];
    case "dns":
      return ["network", "dns"];
    case "exportPath":
      return ["nfs", "exports", 0, "path"];
    case "exportClients":
      return ["nfs", "exports", 0, "clients"];
    case "exportOptions":
      return ["nfs", "exports", 0, "options"];
    case "timeServers":
      return ["time", "servers"];
    case "sshKey":
      return ["access", "ssh_authorized_keys"];
    case "password":
      return ["access", "root_password_hash"];
    case "password2":
      return ["access", "root_password_hash", "confirm"];
  }
}

// Extra issue paths that belong to a target although they are not under its own path.
const EXTRA_PATHS: Partial<Record<Target, IssuePath[]>> = {
  nics: [
    ["network", "bond"],
    ["network", "replication"],
  ],
};

function asRecord(v: unknown): AnswerObject {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as AnswerObject) : {};
}
function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}
function list(v: unknown): string {
  return asArray(v).map(str).join(", ");
}

/** The NIC names used in every config file: the bond's slaves and the replication NIC. */
export function nicNames(draft: Draft): [string, string, string] {
  const network = asRecord(draft.base.network);
  const slaves = asArray(asRecord(network.bond).slaves).map(str);
  const repl = str(asRecord(network.replication).nic);
  return [slaves[0] || "lan0", slaves[1] || "lan1", repl || "repl0"];
}

const TEMPLATE: AnswerObject = {
  version: 1,
  cluster: { name: "nfs1" },
  nodes: [
    { name: "node-a", disk: {}, nics: {}, lan: "", repl: "10.0.0.1/30" },
    { name: "node-b", disk: {}, nics: {}, lan: "", repl: "10.0.0.2/30" },
  ],
  network: {
    bond: { slaves: ["lan0", "lan1"], mode: "active-backup", miimon: 100 },
    replication: { nic: "repl0" },
    dns: [],
  },
  service: { ip: "" },
  storage: { os_size: DEFAULT_OS_SIZE, data_mount: "/data", data_fs: "ext4" },
  nfs: { exports: [{ path: "/data/export", clients: "", options: ["rw", "sync", "no_subtree_check"] }] },
  time: { servers: [] },
  access: { ssh_authorized_keys: [] },
};

/**
 * A draft from an answer object (or the built-in template), matched against this machine: node A's disk
 * and NICs are found by the answer's selector and MACs. Missing shared secrets are generated here, once,
 * so the review shows the real files and both nodes later get the same secrets from the saved answer.
 */
export function createDraft(
  facts: HardwareFacts,
  answer?: unknown,
  secret: () => string = generateSecret,
): Draft {
  const base = structuredClone(answer !== undefined ? asRecord(answer) : TEMPLATE);
  const generatedSecrets: string[] = [];
  const drbd = asRecord(base.drbd);
  if (drbd.shared_secret === undefined) {
    base.drbd = { ...drbd, shared_secret: secret() };
    generatedSecrets.push("drbd.shared_secret");
  }
  const hb = asRecord(base.heartbeat);
  if (hb.authkey === undefined) {
    base.heartbeat = { ...hb, authkey: secret() };
    generatedSecrets.push("heartbeat.authkey");
  }
  // A loaded answer may describe BMCs (fencing) without their passwords: generated like the shared secrets.
  asArray(base.nodes).forEach((node, i) => {
    const bmc = asRecord(node).bmc;
    if (bmc !== null && typeof bmc === "object" && asRecord(bmc).password === undefined) {
      asRecord(bmc).password = generateBmcPassword();
      generatedSecrets.push(`nodes[${i}].bmc.password`);
    }
  });

  const nodes = asArray(base.nodes).map(asRecord);
  const a = nodes[0] ?? {};
  const b = nodes[1] ?? {};
  const cluster = asRecord(base.cluster);
  const network = asRecord(base.network);
  const exp0 = asRecord(asArray(asRecord(base.nfs).exports)[0]);
  const access = asRecord(base.access);
  const keys = asArray(access.ssh_authorized_keys).map(str);

  const draft: Draft = {
    base,
    fields: {
      nodeALan: str(a.lan),
      nodeARepl: str(a.repl),
      nodeBLan: str(b.lan),
      nodeBRepl: str(b.repl),
      nodeBMac0: "",
      nodeBMac1: "",
      nodeBMacRepl: "",
      clusterName: str(cluster.name),
      domain: str(cluster.domain),
      nodeAName: str(a.name),
      nodeBName: str(b.name),
      serviceIp: str(asRecord(base.service).ip),
      gateway: str(network.gateway),
      dns: list(network.dns),
      exportPath: str(exp0.path),
      exportClients: str(exp0.clients),
      exportOptions: list(exp0.options),
      timeServers: list(asRecord(base.time).servers),
      sshKey: keys[0] ?? "",
      password: "",
      password2: "",
    },
    disk: null,
    answerDiskSelector: null,
    bond: [],
    repl: null,
    passwordHash: str(access.root_password_hash) || null,
    generatedSecrets,
    absentNics: [],
  };
  const [slave0, slave1, replName] = nicNames(draft);
  const bNics = asRecord(b.nics);
  draft.fields.nodeBMac0 = str(bNics[slave0]);
  draft.fields.nodeBMac1 = str(bNics[slave1]);
  draft.fields.nodeBMacRepl = str(bNics[replName]);

  // Node A's NIC roles: the answer's MACs found on this machine, else kept as absent NICs. On a machine
  // that has another node's NICs (node B booted by mistake?) absent ones are listed but not given roles:
  // the user picks this machine's NICs.
  const aNics = asRecord(a.nics);
  const otherMacs = nodes
    .slice(1)
    .flatMap((n) => Object.values(asRecord(n.nics)).map((m) => str(m).toLowerCase()));
  const otherNode = facts.nics.some((n) => !n.virtual && otherMacs.includes(n.mac.toLowerCase()));
  const local = (name: string) => {
    const mac = str(aNics[name]).trim();
    if (!mac) return null;
    const here = findNicByMac(facts.nics, mac);
    if (here) return here.name;
    const id = `${ABSENT_PREFIX}${mac.toLowerCase()}`;
    if (!draft.absentNics.some((n) => n.name === id)) {
      draft.absentNics.push({
        name: id,
        mac: mac.toLowerCase(),
        driver: null,
        link: null,
        speedMbps: null,
        virtual: false,
      });
    }
    return otherNode ? null : id;
  };
  draft.bond = [local(slave0), local(slave1)].filter((n): n is string => n !== null);
  draft.repl = local(replName);

  // Node A's disk: the one disk the answer's selector picks, if exactly one does.
  const selector = asRecord(a.disk);
  // An empty selector (the template) says nothing: the user chooses.
  const matches = Object.keys(selector).length > 0 ? disksMatching(normalizeSelector(selector), facts) : [];
  if (matches.length === 1 && matches[0]) {
    draft.disk = matches[0].name;
    draft.answerDiskSelector = selector;
  }
  return draft;
}

function findNicByMac(nics: NicFacts[], mac: string): NicFacts | undefined {
  if (!mac) return undefined;
  return nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase());
}

/** The answer's disk selector as the planner reads it (sizes in bytes). */
function normalizeSelector(sel: AnswerObject): DiskSelector {
  const out: DiskSelector = {};
  for (const k of ["serial", "by_id", "model", "path"] as const) {
    if (typeof sel[k] === "string") out[k] = sel[k];
  }
  for (const k of ["min_size", "max_size"] as const) {
    const v = sel[k];
    if (typeof v === "string" || typeof v === "number") {
      try {
        out[k] = parseSize(v);
      } catch {
        // An unreadable size matches nothing; the validator reports it.
        out[k] = Number.NaN;
      }
    }
  }
  return out;
}

export function chosenDisk(draft: Draft, facts: HardwareFacts): DiskFacts | undefined {
  return facts.disks.find((d) => d.name === draft.disk);
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function setOrDelete(obj: AnswerObject, key: string, value: string): void {
  if (value.trim() === "") delete obj[key];
  else obj[key] = value.trim();
}

/** The answer object the draft stands for: what is validated, saved and handed to the engine. */
export function draftToAnswer(draft: Draft, facts: HardwareFacts): AnswerObject {
  const f = draft.fields;
  const out = structuredClone(draft.base);
  const [slave0, slave1, replName] = nicNames(draft);

  const cluster = asRecord(out.cluster);
  cluster.name = f.clusterName.trim();
  setOrDelete(cluster, "domain", f.domain);
  out.cluster = cluster;

  const nodes = asArray(out.nodes).map(asRecord);
  while (nodes.length < 2) nodes.push({});
  const a = nodes[0] as AnswerObject;
  const b = nodes[1] as AnswerObject;

  a.name = f.nodeAName.trim();
  a.lan = f.nodeALan.trim();
  a.repl = f.nodeARepl.trim();
  const macOf = (name: string | null | undefined) =>
    nicChoices(draft, facts).find((n) => n.name === name)?.mac;
  const aNics: AnswerObject = {};
  const s0 = macOf(draft.bond[0]);
  const s1 = macOf(draft.bond[1]);
  const r = macOf(draft.repl);
  if (s0) aNics[slave0] = s0;
  if (s1) aNics[slave1] = s1;
  if (r) aNics[replName] = r;
  a.nics = aNics;
  // A match rule naming MACs this machine no longer uses would stop it recognising itself.
  const match = asRecord(a.match);
  const macs = asArray(match.mac).map(str);
  if (a.match !== undefined && macs.some((m) => !Object.values(aNics).includes(m.toLowerCase()))) {
    if (match.dmi_serial !== undefined) a.match = { dmi_serial: match.dmi_serial };
    else delete a.match;
  }
  const disk = chosenDisk(draft, facts);
  if (disk) {
    // The answer's own selector stays while it still picks exactly the chosen disk.
    const picked = draft.answerDiskSelector
      ? disksMatching(normalizeSelector(draft.answerDiskSelector), facts)
      : [];
    const keep = picked.length === 1 && picked[0]?.path === disk.path;
    a.disk = keep ? draft.answerDiskSelector : selectorFor(disk);
  }

  b.name = f.nodeBName.trim();
  b.lan = f.nodeBLan.trim();
  b.repl = f.nodeBRepl.trim();
  const bNics: AnswerObject = {};
  for (const [k, v] of Object.entries(asRecord(b.nics))) {
    if (![slave0, slave1, replName].includes(k)) bNics[k] = v;
  }
  if (f.nodeBMac0.trim()) bNics[slave0] = f.nodeBMac0.trim();
  if (f.nodeBMac1.trim()) bNics[slave1] = f.nodeBMac1.trim();
  if (f.nodeBMacRepl.trim()) bNics[replName] = f.nodeBMacRepl.trim();
  b.nics = bNics;
  // Node B's disk is chosen on node B at the receive step; until then, prefer the same model as A's.
  if (b.disk === undefined || Object.keys(asRecord(b.disk)).length === 0) {
    b.disk = disk?.model ? { model: disk.model } : {};
  }
  out.nodes = nodes;

  const network = asRecord(out.network);
  const bond = asRecord(network.bond);
  bond.slaves = [slave0, slave1];
  if (bond.primary !== undefined && bond.primary !== slave0 && bond.primary !== slave1) delete bond.primary;
  network.bond = bond;
  network.replication = { ...asRecord(network.replication), nic: replName };
  setOrDelete(network, "gateway", f.gateway);
  network.dns = splitList(f.dns);
  out.network = network;

  out.service = { ...asRecord(out.service), ip: f.serviceIp.trim() };

  const nfs = asRecord(out.nfs);
  const exportsList = asArray(nfs.exports);
  exportsList[0] = {
    ...asRecord(exportsList[0]),
    path: f.exportPath.trim(),
    clients: f.exportClients.trim(),
    options: splitList(f.exportOptions),
  };
  nfs.exports = exportsList;
  out.nfs = nfs;

  out.time = { ...asRecord(out.time), servers: splitList(f.timeServers) };

  const access = asRecord(out.access);
  const otherKeys = asArray(access.ssh_authorized_keys).slice(1);
  access.ssh_authorized_keys = f.sshKey.trim() ? [f.sshKey.trim(), ...otherKeys] : otherKeys;
  if (draft.passwordHash) access.root_password_hash = draft.passwordHash;
  else delete access.root_password_hash;
  out.access = access;
  return out;
}

export interface Checked {
  validation: Validation;
  answer: AnswerObject;
  /** Messages per field or choice, shown next to it. */
  byTarget: Map<Target, string[]>;
  /** Advice that does not keep the user on the screen. */
  warnings: Map<Target, string[]>;
  /** Issues that belong to no field on any screen: shown on the review screen. */
  general: Issue[];
}

const cache = new WeakMap<Draft, Checked>();

function startsWith(path: IssuePath, prefix: IssuePath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
}

/**
 * Validate the draft with the shared validator and sort its issues onto fields. Wizard-only rules (NIC
 * roles picked, a disk chosen, the password typed twice) are added here; everything else is the
 * validator's own message, word for word.
 */
export function checkDraft(draft: Draft, facts: HardwareFacts): Checked {
  const hit = cache.get(draft);
  if (hit) return hit;
  const answer = draftToAnswer(draft, facts);
  const validation = validateAnswer(answer);
  const byTarget = new Map<Target, string[]>();
  const add = (t: Target, m: string) => byTarget.set(t, [...(byTarget.get(t) ?? []), m]);
  const general: Issue[] = [];
  const targets: Target[] = ["disk", "nics", "nodeBNics", ...FIELD_IDS];
  if (!validation.ok) {
    for (const issue of validation.issues) {
      // The longest matching field path wins, so nodes.1.nics.lan0 goes to its MAC field, not to "nics".
      let best: { t: Target; len: number } | null = null;
      for (const t of targets) {
        for (const p of [fieldPath(draft, t), ...(EXTRA_PATHS[t] ?? [])]) {
          if (startsWith(issue.path, p) && (!best || p.length > best.len)) best = { t, len: p.length };
        }
      }
      if (best) add(best.t, issue.message);
      else general.push(issue);
    }
  }
  if (!draft.disk) add("disk", "choose the disk to install onto");
  if (draft.bond.length !== 2) add("nics", "pick two NICs for the bond (Space on a NIC)");
  if (!draft.repl) add("nics", "pick one NIC for the replication link (Space on a NIC)");
  if (draft.fields.password !== draft.fields.password2) add("password2", "the two passwords differ");
  // Not an error (the answer file allows it, and `pairboot validate` accepts it), but worth saying.
  const warnings = new Map<Target, string[]>();
  const willHaveHash = draft.passwordHash !== null || draft.fields.password !== "";
  const keys = (answer.access as { ssh_authorized_keys?: unknown[] } | undefined)?.ssh_authorized_keys ?? [];
  if (!willHaveHash && keys.length === 0) {
    warnings.set("sshKey", ["without an SSH key or a root password nobody can log in as root"]);
  }
  const [slave0, slave1, replName] = nicNames(draft);
  const absent = [
    [slave0, draft.bond[0]],
    [slave1, draft.bond[1]],
    [replName, draft.repl],
  ].filter((r): r is [string, string] => typeof r[1] === "string" && isAbsentNic(r[1]));
  if (absent.length > 0) {
    const list = absent.map(([role, id]) => `${role} (${id.slice(ABSENT_PREFIX.length)})`).join(", ");
    warnings.set("nics", [
      `${list} ${absent.length === 1 ? "is" : "are"} not on this machine: the installed node uses ${absent.length === 1 ? "it" : "them"} only when its disk runs in the machine that has ${absent.length === 1 ? "that NIC" : "those NICs"}. Space on a NIC here takes a role over.`,
    ]);
  }
  const checked = { validation, answer, byTarget, general, warnings };
  cache.set(draft, checked);
  return checked;
}
