// WCAG 2 A and AA on every page of the English edition, both themes: see accessibility.mjs.
import { judgeEdition } from "./accessibility.mjs";

judgeEdition("English");
