// The shell pipelines that move partition images. Disk data flows only through kernel pipes between
// partclone and zstd; Node supervises one `bash -o pipefail` per section and reads partclone's progress
// from stderr. Node sits only on the compressed side (about a third of the used bytes): on node A it seals
// zstd's output into authenticated records (aead.ts) for the socket or the image file; on node B it opens
// and verifies each record before writing its plaintext into `zstd -d | partclone -r`, so no byte that
// failed authentication reaches the disk. Streams are joined with pipe(), so a slow disk or link slows the
// other end instead of filling memory.
import { runPipeline as runGroupPipeline, type PipelineOptions } from "../util/exec.js";
import { quote } from "../util/shell.js";
import type { SectionInfo } from "./format.js";

/** Node A: image one partition's used blocks and compress them onto stdout. */
export function sendSectionScript(
  section: SectionInfo,
  device: string,
  workDir: string,
  level: number,
): string {
  const w = quote(workDir);
  const image = `${section.tool} -c -a0 -f 1 -L ${w}/partclone.log -s ${quote(device)} -o -`;
  return ["set -euo pipefail", `${image} | zstd -q -T0 -${level} -c`].join("\n");
}

/** Node B: decompress verified plaintext from stdin and restore it into the partition. */
export function receiveSectionScript(section: SectionInfo, partition: string, workDir: string): string {
  const w = quote(workDir);
  const restore = `${section.tool} -r -f 1 -L ${w}/partclone.log -s - -o ${quote(partition)}`;
  return ["set -euo pipefail", `zstd -q -d -c | ${restore}`].join("\n");
}

export type RunOptions = PipelineOptions;

/**
 * Runs a pipeline script. Throws the input's own error when `stdin` fails (a record that did not
 * authenticate: the pipeline is killed before it sees that record), else the tail of stderr (progress
 * lines removed) when any stage fails.
 */
export async function runPipeline(script: string, opts: RunOptions = {}): Promise<void> {
  const { status, stderrTail } = await runGroupPipeline(script, opts);
  if (status !== 0) {
    const detail = explainFailure(stderrTail);
    throw new Error(`${detail || "the pipeline failed"} (exit ${status})`);
  }
}

// partclone moves the cursor up between its two progress lines.
const ANSI_CSI = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, "g");

/** The meaningful lines of a failed pipeline's stderr: partclone's progress and banners dropped. */
export function explainFailure(stderr: string): string {
  const noise =
    /^(Partclone v|Starting to|Reading Super|Calculating bitmap|Elapsed:|current block:|Total Time:|done!|File system:|Device size:|Space in use:|Free Space:|Block size:|Syncing|Partclone successfully|Cloned successfully|Restored successfully|$)/;
  return stderr
    .split(/[\r\n]+/)
    .map((l) => l.replace(ANSI_CSI, "").trim())
    .filter((l) => !noise.test(l))
    .slice(-6)
    .join("; ");
}
