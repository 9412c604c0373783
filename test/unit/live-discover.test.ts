import { describe, expect, it } from "vitest";
import { answerCandidates, discoverAnswer, type DiscoverIo } from "../../src/live/discover.js";

const places = { medium: "/run/live/medium", stick: "/run/pairboot/stick" };

function io(files: Record<string, string>, fetched: Record<string, string> = {}): DiscoverIo {
  return {
    readFile: async (p) => files[p] ?? null,
    fetchText: async (u) => {
      const t = fetched[u];
      if (t === undefined) throw new Error("HTTP 404 Not Found");
      return t;
    },
  };
}

describe("answer discovery order", () => {
  it("kernel argument (medium, stick, live root), then the stick's pairboot.yaml, then the ISO", () => {
    expect(
      answerCandidates({ answer: "/answers/a.yaml" }, places).map((c) => `${c.origin}: ${c.location}`),
    ).toEqual([
      "kernel command line: /run/live/medium/answers/a.yaml",
      "kernel command line: /run/pairboot/stick/answers/a.yaml",
      "kernel command line: /answers/a.yaml",
      "PAIRBOOT partition: /run/pairboot/stick/pairboot.yaml",
      "ISO image: /run/live/medium/pairboot/answer.yaml",
    ]);
  });

  it("without a stick or a medium (toram) only what exists is looked at", () => {
    expect(answerCandidates({ answer: null }, { medium: null, stick: null })).toEqual([]);
    expect(answerCandidates({ answer: null }, { medium: "/m", stick: null }).map((c) => c.location)).toEqual([
      "/m/pairboot/answer.yaml",
    ]);
  });

  it("the stick's answer wins over the one embedded in the ISO", async () => {
    const c = answerCandidates({ answer: null }, places);
    const r = await discoverAnswer(
      c,
      io({ "/run/pairboot/stick/pairboot.yaml": "stick", "/run/live/medium/pairboot/answer.yaml": "iso" }),
    );
    expect(r).toMatchObject({ found: true, text: "stick", candidate: { origin: "PAIRBOOT partition" } });
  });

  it("the embedded answer is used when nothing else is there", async () => {
    const r = await discoverAnswer(
      answerCandidates({ answer: null }, places),
      io({ "/run/live/medium/pairboot/answer.yaml": "iso" }),
    );
    expect(r).toMatchObject({ found: true, text: "iso", candidate: { origin: "ISO image" } });
  });

  it("a named answer that is missing is an error, never a fall-back to another answer", async () => {
    const r = await discoverAnswer(
      answerCandidates({ answer: "/answers/gone.yaml" }, places),
      io({ "/run/live/medium/pairboot/answer.yaml": "iso" }),
    );
    expect(r.found).toBe(false);
    if (!r.found) {
      expect(r.error).toBe(
        "pairboot.answer= names a file that is not there; looked at /run/live/medium/answers/gone.yaml, /run/pairboot/stick/answers/gone.yaml, /answers/gone.yaml",
      );
    }
  });

  it("a URL is fetched; a failed fetch is an error", async () => {
    const url = "http://10.0.0.1/nfs1.yaml";
    const c = answerCandidates({ answer: url }, places);
    expect(c[0]).toEqual({ origin: "kernel command line", location: url, kind: "url" });
    expect(await discoverAnswer(c, io({}, { [url]: "net" }))).toMatchObject({ found: true, text: "net" });
    const r = await discoverAnswer(c, io({ "/run/live/medium/pairboot/answer.yaml": "iso" }));
    expect(r).toMatchObject({ found: false, error: `pairboot.answer=${url}: HTTP 404 Not Found` });
  });

  it("nothing anywhere: not found, no error (the wizard opens)", async () => {
    const r = await discoverAnswer(answerCandidates({ answer: null }, places), io({}));
    expect(r).toEqual({
      found: false,
      error: null,
      looked: ["/run/pairboot/stick/pairboot.yaml", "/run/live/medium/pairboot/answer.yaml"],
    });
  });
});
