// The cluster screen: names, the service IP, the export and how the user logs in.
import { CLUSTER_FIELDS } from "../model/draft.js";
import { withCursor } from "../model/nav.js";
import type { FocusItem } from "../model/state.js";
import { formScreen, hashPassword } from "./form.js";
import { prose } from "./text.js";

const ITEMS: FocusItem[] = [
  ...CLUSTER_FIELDS.map((id) => ({ kind: "field" as const, id })),
  { kind: "next" },
];

export const cluster = formScreen({
  id: "cluster",
  title: "step 3 of 5: cluster",
  items: () => ITEMS,
  // The review starts at its first file, whatever was looked at before the answer changed.
  leave: (state, ctx) => withCursor(hashPassword(state, ctx), 0, ctx.next),
  intro: (_state, _theme, size) => ({
    lines: [
      ...prose(
        "The cluster: names, the floating service IP clients mount, what is exported, and how you log in.",
        size,
      ),
      "",
    ],
    focus: null,
  }),
});
