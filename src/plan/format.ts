// A plan as a person reads it (`pairboot plan`) or as JSON (`--json`): every command and every file in
// full, except secrets, which appear only as their size.
import { redact } from "../util/redact.js";
import type { RenderedFile } from "../render/types.js";
import { shownCommand } from "./command.js";
import type { NodePlan, PlanStep, StepCommand } from "./types.js";

const MiB = 1024 ** 2;

function mib(n: number): string {
  return `${Math.round((n / MiB) * 10) / 10} MiB`;
}

function shownContent(f: RenderedFile, secrets: readonly string[]): string {
  return f.secret ? `<secret, ${Buffer.byteLength(f.content)} bytes>` : redact(f.content, secrets);
}

function redactedCommand(c: StepCommand, secrets: readonly string[]): StepCommand {
  if (typeof c === "string") return redact(c, secrets);
  const stdin = c.stdin && {
    text: c.stdin.secret
      ? `<secret, ${Buffer.byteLength(c.stdin.text)} bytes>`
      : redact(c.stdin.text, secrets),
    secret: c.stdin.secret,
  };
  const rest = { ...(c.inTarget ? { inTarget: true } : {}), ...(stdin ? { stdin } : {}) };
  return c.sh !== undefined
    ? { sh: redact(c.sh, secrets), ...rest }
    : { argv: c.argv.map((a) => redact(a, secrets)), ...rest };
}

/** The plan with secrets replaced, safe to print or save. */
export function redactedPlan(plan: NodePlan): NodePlan {
  const s = plan.secrets;
  const step = (st: PlanStep): PlanStep => ({
    ...st,
    commands: st.commands.map((c) => redactedCommand(c, s)),
    files: st.files.map((f) => ({ ...f, content: shownContent(f, s) })),
  });
  return {
    ...plan,
    steps: plan.steps.map(step),
    secrets: s.map((x) => `<secret, ${Buffer.byteLength(x)} bytes>`),
  };
}

const ROLE_TEXT = {
  bios: "BIOS boot",
  esp: "EFI system (vfat)",
  os: "OS (ext4)",
  data: "data (raw, for DRBD)",
};

export function formatPlan(plan: NodePlan): string {
  const out: string[] = [];
  out.push(`Install plan for ${plan.node}`);
  out.push("");
  out.push(`Disk: ${plan.disk.path} (${mib(plan.disk.sizeBytes)})`);
  out.push(`  chosen because: ${plan.disk.why}`);
  out.push(`Source: ${plan.source.kind} ${plan.source.path}`);
  out.push(`Target mount: ${plan.target}`);
  out.push(`Log: ${plan.logPath}`);
  out.push("");
  out.push("Partition layout (GPT):");
  for (const p of plan.layout.partitions) {
    out.push(
      `  ${p.path.padEnd(16)} ${p.name.padEnd(14)} start ${mib(p.startBytes).padStart(12)}  size ${mib(
        p.sizeBytes,
      ).padStart(12)}  ${ROLE_TEXT[p.role]}`,
    );
  }
  out.push("");
  out.push("Steps (each command runs with bash -euo pipefail -c):");
  plan.steps.forEach((step, i) => {
    const flags = [
      step.destructive ? "DESTROYS DATA" : "",
      step.always ? "runs on every attempt" : "",
    ].filter(Boolean);
    out.push("");
    out.push(
      `[${i + 1}/${plan.steps.length}] ${step.id}: ${step.title}${flags.length ? ` (${flags.join(", ")})` : ""}`,
    );
    for (const f of step.files) {
      out.push(`  write ${f.path} (mode ${f.mode.toString(8).padStart(4, "0")}):`);
      const text = shownContent(f, plan.secrets);
      for (const line of text.replace(/\n$/, "").split("\n")) out.push(`    | ${line}`);
    }
    for (const c of step.commands) {
      const lines = shownCommand(c, plan.target, plan.secrets).split("\n");
      out.push(`  $ ${lines[0] ?? ""}`);
      for (const l of lines.slice(1)) out.push(`    ${l}`);
    }
    if (step.files.length === 0 && step.commands.length === 0) out.push("  (nothing to do)");
  });
  return `${out.join("\n")}\n`;
}
