// What travels from node A to node B, over the network or in an image file.
//
// A clone is a header (what the source disk looked like) followed by one section per partition that
// travels: the ESP and the OS filesystem, each a partclone image of the used blocks only (-a0: no
// per-block CRC, which costs more CPU than the copy) compressed with zstd. The BIOS boot partition is
// recreated by grub-install; the data partition never travels.
//
// Every byte after the key line is sealed in authenticated records (aead.ts). Image file layout:
//   "PAIRBOOT-CLONE-IMAGE 2\n"
//   key line: one line of JSON, the only clear text: how the key is made (the answer's cluster secrets
//     or a passphrase) and the random salt; it tells B which key to ask for, nothing about the content
//   header stream   (context "image;header")
//   one stream per section, in header order (context "image;section=I;role=R")
//   trailer stream  (context "image;trailer"): every section's length, so a dropped or added section and
//     a file cut short are found before anything is written
// Over the network the header goes over the authenticated control channel, each section over its own
// data connection as one stream (context: session, section index and role).
import { z } from "zod";

export const IMAGE_MAGIC = "PAIRBOOT-CLONE-IMAGE 2\n";
/** Images of pairboot before authenticated images; refused with a clear message. */
export const OLD_IMAGE_MAGIC = "PAIRBOOT-CLONE-IMAGE 1\n";

/** ISO 8601 UTC, as Date.toISOString() writes it. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** A host name label: what /etc/pairboot/node holds. */
const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

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

/** The filesystem and tool each role must have: an ESP restored by partclone.ext4 is not one. */
const ROLE_FS = { esp: "vfat", os: "ext4" } as const;

export const CloneHeaderSchema = z
  .strictObject({
    format: z.literal("pairboot-clone"),
    version: z.literal(2),
    createdAt: z.string().regex(ISO_TIME, "an ISO 8601 UTC time such as 2026-01-02T03:04:05.000Z"),
    source: z.strictObject({
      /** The node name A was installed as (/etc/pairboot/node), when known. */
      node: z.string().regex(NODE_NAME, "a host name (a-z, 0-9, '-', at most 63)").nullable(),
      diskBytes: z.number().int().positive(),
      sectorSize: z.number().int().min(512).max(65536),
    }),
    /** The source partition table as `sfdisk --dump` prints it. */
    table: z
      .string()
      .min(1)
      .max(64 * 1024),
    osSizeBytes: z.number().int().positive(),
    /** Bytes in use across the sections, the amount of filesystem data that travels before compression. */
    usedBytes: z.number().int().nonnegative(),
    sections: z.array(SectionInfoSchema).min(1).max(2),
  })
  .superRefine((h, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of h.sections.entries()) {
      if (seen.has(s.role))
        ctx.addIssue({ code: "custom", path: ["sections", i, "role"], message: `'${s.role}' twice` });
      seen.add(s.role);
      if (s.fs !== ROLE_FS[s.role] || s.tool !== `partclone.${ROLE_FS[s.role]}`) {
        ctx.addIssue({
          code: "custom",
          path: ["sections", i],
          message: `the ${s.role} section must be ${ROLE_FS[s.role]} restored by partclone.${ROLE_FS[s.role]}`,
        });
      }
    }
  });
export type CloneHeader = z.infer<typeof CloneHeaderSchema>;

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
      `the clone header is not one pairboot understands (${printable(first?.path.join(".") ?? "")}: ${printable(first?.message ?? "")})`,
    );
  }
  return r.data;
}

/** Text from a header or a peer, made safe for a terminal: control characters shown as \xNN. */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const s = text.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) =>
    c === "\\" ? "\\\\" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

export const KeyLineSchema = z.discriminatedUnion("kdf", [
  z.strictObject({
    kdf: z.literal("answer-secrets"),
    salt: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.strictObject({
    kdf: z.literal("passphrase-scrypt"),
    salt: z.string().regex(/^[0-9a-f]{64}$/),
    // Bounded: a crafted image must not make B spend gigabytes or hours on the KDF.
    N: z
      .number()
      .int()
      .min(2 ** 14)
      .max(2 ** 20),
    r: z.literal(8),
    p: z.literal(1),
  }),
]);
export type KeyLine = z.infer<typeof KeyLineSchema>;
/** The key line is short; more than this is not a pairboot image. */
export const KEY_LINE_MAX = 1024;

export const TrailerSchema = z.strictObject({
  sections: z.array(
    z.strictObject({
      role: z.enum(["esp", "os"]),
      /** Compressed bytes (the plaintext of the section's stream). */
      bytes: z.number().int().nonnegative(),
    }),
  ),
});
export type Trailer = z.infer<typeof TrailerSchema>;

/** Stream contexts (the AAD and key derivation input of aead.ts). */
export const contexts = {
  imageHeader: "image;header",
  imageSection: (i: number, role: string) => `image;section=${i};role=${role}`,
  imageTrailer: "image;trailer",
  netSection: (session: string, i: number, role: string) =>
    `net;session=${session};section=${i};role=${role}`,
};
