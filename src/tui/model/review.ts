// What the review screen shows: the disk layout and every file node A gets, rendered by the same pure
// renderers the engine uses, with secrets masked wherever they appear.
import { stringify } from "yaml";
import type { ClusterSpec } from "../../answer/schema.js";
import { renderNode } from "../../render/index.js";
import { partitionLayout } from "../../render/storage.js";
import type { RenderedFile } from "../../render/types.js";
import { planNode } from "../../plan/plan.js";
import type { InstallSource } from "../../plan/types.js";
import { checkDraft, chosenDisk } from "./draft.js";
import { formatBytes } from "./format.js";
import type { ReviewItem, WizardState } from "./state.js";

export interface ReviewData {
  spec: ClusterSpec | null;
  files: RenderedFile[];
  /** Everything still wrong with the answer, as "path: message" lines; empty when it may be installed. */
  problems: string[];
}

const cache = new WeakMap<object, ReviewData>();

/** Where the plan copies the system from does not change the files it writes; the live image's root. */
const REVIEW_SOURCE: InstallSource = { kind: "dir", path: "/run/live/rootfs/filesystem.squashfs" };

export function reviewData(state: WizardState): ReviewData {
  const hit = cache.get(state.draft);
  if (hit) return hit;
  const checked = checkDraft(state.draft, state.facts);
  let data: ReviewData;
  if (!checked.validation.ok) {
    data = {
      spec: null,
      files: [],
      problems: checked.validation.issues.map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`),
    };
  } else {
    const spec = checked.validation.spec;
    const wizardOnly = [...checked.byTarget.values()].flat();
    try {
      // The engine's own plan for this machine and disk: every file its steps write (the rendered
      // configuration and the install's own, like /etc/default/grub), and a refusal shown here, before
      // the confirm screen, in the engine's words.
      const planned = planNode(spec, spec.nodes[0]?.name ?? "", state.facts, {
        source: REVIEW_SOURCE,
        disk: chosenDisk(state.draft, state.facts)?.path,
        answerPath: "/etc/pairboot/answer.yaml",
      });
      if (planned.ok) {
        const byPath = new Map<string, RenderedFile>();
        for (const f of planned.plan.steps.flatMap((st) => st.files)) byPath.set(f.path, f);
        const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        data = { spec, files, problems: wizardOnly };
      } else {
        const tree = renderNode(spec, spec.nodes[0]?.name ?? "");
        data = {
          spec,
          files: tree.files,
          problems: [...wizardOnly, `the install would refuse: ${planned.message}`],
        };
      }
    } catch (err) {
      data = {
        spec,
        files: [],
        problems: [...wizardOnly, `rendering the files failed: ${(err as Error).message}`],
      };
    }
  }
  cache.set(state.draft, data);
  return data;
}

/** Every secret value in the spec, longest first so a secret containing another is masked whole. */
export function secretsOf(spec: ClusterSpec): string[] {
  return [
    spec.drbd.shared_secret,
    spec.heartbeat.authkey,
    spec.access.root_password_hash,
    ...spec.nodes.map((n) => n.bmc?.password),
  ]
    .filter((s): s is string => typeof s === "string" && s.length > 0)
    .sort((a, b) => b.length - a.length);
}

export function mask(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("********");
  return out;
}

/** The disk layout as lines: partition, size, what goes there. */
export function layoutLines(spec: ClusterSpec, diskBytes: number): string[] {
  const layout = partitionLayout(spec);
  const what: Record<string, string> = {
    bios: "BIOS boot (GRUB)",
    esp: "EFI system, vfat, /boot/efi",
    os: "Debian, ext4, /",
    data: `DRBD ${spec.drbd.resource} (${spec.drbd.device}), ${spec.storage.data_fs} at ${spec.storage.data_mount}`,
  };
  return layout.partitions.map((p) => {
    const size = p.sizeBytes ?? Math.max(0, diskBytes - p.startBytes - 1024 ** 2);
    return `${String(p.number).padStart(2)}  ${p.name.padEnd(15)} ${formatBytes(size).padStart(10)}  ${what[p.role] ?? ""}`;
  });
}

/** Columns a pager line may use inside the border of an 80-column screen. */
export const PAGER_WIDTH = 78;

/**
 * Nothing of a file may be hidden off the right edge: long lines are cut into pieces, every piece but the
 * last ending in a backslash, the way shell and config files continue lines.
 */
export function wrapForPager(lines: string[], width = PAGER_WIDTH): string[] {
  return lines.flatMap((line) => {
    if (line.length <= width) return [line];
    const out: string[] = [];
    let rest = line;
    while (rest.length > width) {
      out.push(`${rest.slice(0, width - 1)}\\`);
      rest = rest.slice(width - 1);
    }
    out.push(rest);
    return out;
  });
}

export function pagerContent(state: WizardState, item: ReviewItem): { title: string; lines: string[] } {
  const data = reviewData(state);
  const secrets = data.spec ? secretsOf(data.spec) : [];
  if (item.kind === "answer") {
    const checked = checkDraft(state.draft, state.facts);
    const text = mask(stringify(checked.answer), secrets);
    return {
      title: "The answer file (secrets masked)",
      lines: wrapForPager(text.replace(/\n$/, "").split("\n")),
    };
  }
  if (item.kind === "file") {
    const f = data.files[item.index];
    if (!f) return { title: "", lines: [] };
    const body = mask(f.content, secrets).replace(/\n$/, "").split("\n");
    const title = `${f.path}  mode ${f.mode.toString(8).padStart(4, "0")}${f.secret ? "  (secret: values masked)" : ""}`;
    return { title, lines: wrapForPager(body.map((l) => l.replace(/\t/g, "    "))) };
  }
  return { title: "", lines: [] };
}
