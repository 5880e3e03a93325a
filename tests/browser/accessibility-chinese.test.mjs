// WCAG 2 A and AA on every page of the Chinese edition, both themes: see accessibility.mjs.
import { judgeEdition } from "./accessibility.mjs";

judgeEdition("Chinese");
