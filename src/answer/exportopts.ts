// The options of one export, as exportfs(8) reads them. exportfs refuses an option it does not know and
// nfs-kernel-server then fails to start on the node taking over, so an unknown or contradictory option is
// refused here, where the user can still fix it.

/** Options that take no value, from exports(5) (nfs-utils 2.6). */
const FLAGS = new Set([
  "rw",
  "ro",
  "sync",
  "async",
  "secure",
  "insecure",
  "wdelay",
  "no_wdelay",
  "hide",
  "nohide",
  "crossmnt",
  "subtree_check",
  "no_subtree_check",
  "secure_locks",
  "insecure_locks",
  "auth_nlm",
  "no_auth_nlm",
  "root_squash",
  "no_root_squash",
  "all_squash",
  "no_all_squash",
  "nordirplus",
  "pnfs",
  "no_pnfs",
  "security_label",
  "no_acl",
  "mountpoint",
  "mp",
]);

const UID_MAX = 4_294_967_294; // (uid_t)-1 means "no id"
const SEC_FLAVORS = /^(sys|krb5|krb5i|krb5p)(:(sys|krb5|krb5i|krb5p))*$/;

/** Options that take a value, and what the value must look like. */
const VALUED: Record<string, { check: (v: string) => boolean; what: string }> = {
  anonuid: { check: (v) => /^\d{1,10}$/.test(v) && Number(v) <= UID_MAX, what: `a uid from 0 to ${UID_MAX}` },
  anongid: { check: (v) => /^\d{1,10}$/.test(v) && Number(v) <= UID_MAX, what: `a gid from 0 to ${UID_MAX}` },
  sec: { check: (v) => SEC_FLAVORS.test(v), what: "security flavors like sys or krb5:krb5p" },
};

// Pairs exportfs resolves silently by taking the last one: the file would not say what is served.
const OPPOSITES: [string, string][] = [
  ["rw", "ro"],
  ["sync", "async"],
  ["secure", "insecure"],
  ["wdelay", "no_wdelay"],
  ["hide", "nohide"],
  ["subtree_check", "no_subtree_check"],
  ["secure_locks", "insecure_locks"],
  ["auth_nlm", "no_auth_nlm"],
  ["root_squash", "no_root_squash"],
  ["all_squash", "no_all_squash"],
  ["pnfs", "no_pnfs"],
];

export const OPTION_PHRASE = "an exports(5) option like rw, sync, no_subtree_check or anonuid=1000";

/** What is wrong with one option on its own, or undefined. Messages complete "expected ..., got X". */
export function exportOptionProblem(option: string): string | undefined {
  const [name = "", ...rest] = option.split("=");
  const value = rest.join("=");
  if (name === "fsid") return "no fsid option: set it with this export's fsid key";
  if (rest.length === 0) return FLAGS.has(name) ? undefined : OPTION_PHRASE;
  const valued = VALUED[name];
  if (!valued) return FLAGS.has(name) ? `${name} without a value` : OPTION_PHRASE;
  return valued.check(value) ? undefined : `${name}= with ${valued.what}`;
}

/** Problems between the options of one export: [index of the later option, message]. */
export function exportOptionConflicts(options: readonly string[]): [number, string][] {
  const out: [number, string][] = [];
  const names = options.map((o) => o.split("=")[0] ?? o);
  names.forEach((name, i) => {
    const first = names.indexOf(name);
    if (first < i) {
      out.push([i, `each option once, got ${name} again (options[${first}])`]);
      return;
    }
    const opposite = OPPOSITES.find((pair) => pair.includes(name))?.find((o) => o !== name);
    const j = opposite === undefined ? -1 : names.indexOf(opposite);
    if (j !== -1 && j < i)
      out.push([i, `either ${names[j]} or ${name}, not both (options[${j}] is ${names[j]})`]);
  });
  return out;
}
