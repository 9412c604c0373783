// What travels from node A to node B, over the network or in an image file.
//
// A clone is a header (what the source disk looked like) followed by one section per partition that
// travels: the ESP and the OS filesystem, each a partclone image of the used blocks only (-a0: no
// per-block CRC, which costs more CPU than the copy) compressed with zstd (whose frames carry their own
// checksum). The BIOS boot partition is recreated by grub-install; the data partition never travels.
//
// Image file layout (all offsets in bytes from the start of the file):
//   "PAIRBOOT-CLONE-IMAGE 1\n"
//   header as one line of JSON, "\n"
//   section bytes, back to back, in header order
//   trailer as one line of JSON: offset, length and sha256 of every section, "\n"
//   footer: "PAIRBOOT-END <trailer offset, 20 digits> <sha256 of magic+header+trailer lines>\n"
// The footer's digest covers the section digests, so together they check every byte of the file.
// Over the network the same header and section bytes are sent, encrypted; the digests go over the
// authenticated control channel instead of a trailer.
import { createHash } from "node:crypto";
import { z } from "zod";

export const IMAGE_MAGIC = "PAIRBOOT-CLONE-IMAGE 1\n";
const FOOTER_RE = /^PAIRBOOT-END (\d{20}) ([0-9a-f]{64})\n$/;
export const FOOTER_BYTES = "PAIRBOOT-END ".length + 20 + 1 + 64 + 1;

export const SectionInfoSchema = z.strictObject({
  role: z.enum(["esp", "os"]),
  /** Partition number on the source disk (and on the target: the table is the same). */
  partition: z.number().int().min(1).max(128),
  fs: z.enum(["vfat", "ext4"]),
  /** The program that made the image and restores it; partclone.<fs>. */
  tool: z.enum(["partclone.vfat", "partclone.ext4"]),
  compression: z.literal("zstd"),
  sizeBytes: z.number().int().positive(),
  usedBytes: z.number().int().nonnegative(),
});
export type SectionInfo = z.infer<typeof SectionInfoSchema>;

export const CloneHeaderSchema = z.strictObject({
  format: z.literal("pairboot-clone"),
  version: z.literal(1),
  createdAt: z.string(),
  source: z.strictObject({
    /** The node name A was installed as (/etc/pairboot/node), when known. */
    node: z.string().nullable(),
    diskBytes: z.number().int().positive(),
    sectorSize: z.number().int().positive(),
  }),
  /** The source partition table as `sfdisk --dump` prints it. */
  table: z.string().min(1),
  osSizeBytes: z.number().int().positive(),
  /** Bytes in use across the sections, the amount of filesystem data that travels before compression. */
  usedBytes: z.number().int().nonnegative(),
  sections: z.array(SectionInfoSchema).min(1),
});
export type CloneHeader = z.infer<typeof CloneHeaderSchema>;

export const SectionDigestSchema = z.strictObject({
  role: z.enum(["esp", "os"]),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SectionDigest = z.infer<typeof SectionDigestSchema>;

export const TrailerSchema = z.strictObject({ sections: z.array(SectionDigestSchema) });
export type Trailer = z.infer<typeof TrailerSchema>;

export function parseHeader(json: string): CloneHeader {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error("the clone header is not valid JSON");
  }
  const r = CloneHeaderSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(
      `the clone header is not one pairboot understands (${first?.path.join(".")}: ${first?.message})`,
    );
  }
  return r.data;
}

export function headerLine(header: CloneHeader): string {
  return `${JSON.stringify(header)}\n`;
}

export function trailerLine(trailer: Trailer): string {
  return `${JSON.stringify(trailer)}\n`;
}

export function manifestDigest(headerText: string, trailerText: string): string {
  return createHash("sha256").update(IMAGE_MAGIC).update(headerText).update(trailerText).digest("hex");
}

export function footer(trailerOffset: number, digest: string): string {
  return `PAIRBOOT-END ${String(trailerOffset).padStart(20, "0")} ${digest}\n`;
}

export function parseFooter(text: string): { trailerOffset: number; digest: string } | null {
  const m = FOOTER_RE.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  return { trailerOffset: Number(m[1]), digest: m[2] };
}

/**
 * Checks that an image's parts fit together: every section lies between the header and the trailer,
 * in header order, without gaps or overlaps, and the file has exactly the expected length.
 * Returns the problem in words, or null.
 */
export function checkImageGeometry(
  header: CloneHeader,
  headerEnd: number,
  trailer: Trailer,
  trailerOffset: number,
  trailerLength: number,
  fileBytes: number,
): string | null {
  if (trailer.sections.length !== header.sections.length) {
    return `the trailer lists ${trailer.sections.length} sections, the header ${header.sections.length}`;
  }
  let at = headerEnd;
  for (const [i, s] of trailer.sections.entries()) {
    if (s.role !== header.sections[i]?.role)
      return `section ${i + 1} is '${s.role}' in the trailer but not in the header`;
    if (s.offset !== at) return `section '${s.role}' starts at byte ${s.offset}, expected ${at}`;
    at += s.length;
  }
  if (at !== trailerOffset)
    return `the sections end at byte ${at} but the trailer starts at ${trailerOffset}`;
  const expected = trailerOffset + trailerLength + FOOTER_BYTES;
  if (expected !== fileBytes) return `the file has ${fileBytes} bytes, its trailer says ${expected}`;
  return null;
}
