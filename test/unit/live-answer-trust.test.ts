// The pure decision about an answer fetched from a URL: which pins the kernel command line gives, whether
// they are well formed and fit the URL, and whether the answer may be installed without a person.
import { describe, expect, it } from "vitest";
import {
  answerArgProblems,
  answerPins,
  normalizeFingerprint,
  unpinnedRefusal,
  urlTrust,
} from "../../src/live/answer-trust.js";
import { parseCmdline } from "../../src/live/cmdline.js";

const HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const FP = "AB:".repeat(31) + "AB";

describe("answer pins", () => {
  it("a digest and a fingerprint are normalised to lowercase hex without colons", () => {
    const r = answerPins(
      parseCmdline(
        `pairboot.answer=https://h/a.yaml pairboot.answer.sha256=${HEX.toUpperCase()} pairboot.answer.fingerprint=sha256:${FP}`,
      ),
    );
    expect(r).toEqual({ ok: true, pins: { sha256: HEX, fingerprint: "ab".repeat(32) } });
    expect(normalizeFingerprint(FP)).toBe("ab".repeat(32));
    expect(normalizeFingerprint("sha256:AB:CD")).toBeNull();
  });

  it("a malformed digest or fingerprint is refused with what to give instead", () => {
    const r = answerPins(
      parseCmdline(
        "pairboot.answer=https://h/a.yaml pairboot.answer.sha256=1234 pairboot.answer.fingerprint=md5:AB",
      ),
    );
    expect(r).toEqual({
      ok: false,
      problems: [
        "pairboot.answer.sha256=1234: give the 64 hex digits that 'sha256sum answer.yaml' prints",
        "pairboot.answer.fingerprint=md5:AB: give sha256: and the server certificate's SHA-256 fingerprint, as 'openssl x509 -noout -fingerprint -sha256 -in cert.pem' prints it (sha256:AB:CD:...:EF, 32 bytes)",
      ],
    });
  });

  it("a certificate pin on a plain http URL, and pins without a URL answer, are refused", () => {
    expect(
      answerPins(parseCmdline(`pairboot.answer=http://h/a.yaml pairboot.answer.fingerprint=${FP}`)),
    ).toEqual({
      ok: false,
      problems: [
        "pairboot.answer.fingerprint pins an https server's certificate, but pairboot.answer=http://h/a.yaml is plain http: use an https:// URL, or pin the file itself with pairboot.answer.sha256=",
      ],
    });
    expect(answerPins(parseCmdline(`pairboot.answer=/a.yaml pairboot.answer.sha256=${HEX}`))).toEqual({
      ok: false,
      problems: [
        "pairboot.answer.sha256= and pairboot.answer.fingerprint= go with an answer fetched from a URL (pairboot.answer=http://... or https://...), not with pairboot.answer=/a.yaml",
      ],
    });
    expect(answerPins(parseCmdline("quiet"))).toEqual({
      ok: true,
      pins: { sha256: null, fingerprint: null },
    });
  });
});

describe("whether a fetched answer may install without a person", () => {
  const none = { sha256: null, fingerprint: null };
  it("plain http without a digest is not authenticated; a digest, a certificate pin or https are", () => {
    expect(urlTrust("http://h/a.yaml", none)).toBe("none");
    expect(urlTrust("http://h/a.yaml", { sha256: HEX, fingerprint: null })).toBe("digest");
    expect(urlTrust("https://h/a.yaml", { sha256: null, fingerprint: "ab".repeat(32) })).toBe("certificate");
    expect(urlTrust("HTTPS://h/a.yaml", none)).toBe("https");
  });

  it("the refusal says what to add to the kernel command line and how to compute it", () => {
    const m = unpinnedRefusal("http://10.0.0.1/a.yaml");
    expect(m).toContain("plain http (http://10.0.0.1/a.yaml) without a digest");
    expect(m).toContain("pairboot.answer.sha256=<the 64 hex digits>");
    expect(m).toContain("sha256sum answer.yaml");
    expect(m).toContain("pairboot.answer.fingerprint=sha256:<AB:CD:...>");
    expect(m).toContain("The wizard opens with this answer filled in");
  });

  it("iso embed refuses pairboot.auto=1 with a plain http answer without a digest, and bad pins", () => {
    expect(answerArgProblems(parseCmdline("pairboot.answer=http://h/a.yaml pairboot.auto=1"))).toEqual([
      "pairboot.answer=http://h/a.yaml with pairboot.auto=1: a plain http answer without a digest is never installed unattended; add pairboot.answer.sha256=<sha256sum of the file>, or use https",
    ]);
    expect(answerArgProblems(parseCmdline("pairboot.answer=http://h/a.yaml"))).toEqual([]);
    expect(
      answerArgProblems(
        parseCmdline(`pairboot.answer=http://h/a.yaml pairboot.auto=1 pairboot.answer.sha256=${HEX}`),
      ),
    ).toEqual([]);
    expect(
      answerArgProblems(parseCmdline("pairboot.answer=http://h/a.yaml pairboot.answer.sha256=xyz")),
    ).toHaveLength(1);
  });
});
