// The one quoting of a word for bash: for the scripts pairboot runs (the plan's commands, the clone's
// pipelines) and for showing a command to a person. Pure, so the plan can use it.

/** Quotes a word for bash when it needs it; plain paths and options stay readable in a printed plan. */
export function quote(word: string | number): string {
  const s = String(word);
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An argv as a person would type it, and as bash would run it. */
export function commandText(argv: readonly string[]): string {
  return argv.map(quote).join(" ");
}
