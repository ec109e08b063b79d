// @ts-check
// A small Markdown renderer for notes that builds DOM nodes and never parses HTML: text only
// ever becomes text nodes, so `<img src=x onerror=...>` in a note shows as those characters.
// Links are kept only for http(s) and mailto (no javascript:, data: ...). Paragraphs, line
// breaks, headings, bullet/numbered/task lists, quotes, code spans and blocks, bold, italics.
// Hand-written (about 100 lines) instead of a vendored renderer plus sanitizer: nothing to
// sanitize when no HTML is produced, and the page's CSP already forbids inline script.
import { el } from "./dom.js";

const SAFE_URL = /^(?:https?:\/\/|mailto:)/i;
const INLINE = /`([^`\n]+)`|\*\*(.+?)\*\*|(?<!\w)__(.+?)__(?!\w)|\*([^*\s](?:[^*]*[^*\s])?)\*|(?<!\w)_([^_\s](?:[^_]*[^_\s])?)_(?!\w)|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

/**
 * @param {string} url
 * @param {string} label
 * @returns {Node}
 */
function link(url, label) {
  if (!SAFE_URL.test(url)) return document.createTextNode(label === url ? url : `${label} (${url})`);
  return el("a", { href: url, text: label, rel: "noopener noreferrer nofollow", target: "_blank" });
}

/**
 * Inline Markdown of `text` appended to `parent`.
 * @param {Node} parent
 * @param {string} text
 */
export function appendInline(parent, text) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const at = match.index ?? 0;
    if (at > last) parent.appendChild(document.createTextNode(text.slice(last, at)));
    const [whole, code, strong, strong2, em, em2, label, url, bare] = match;
    if (code !== undefined) parent.appendChild(el("code", { text: code }));
    else if (strong !== undefined || strong2 !== undefined) {
      const node = el("strong");
      appendInline(node, strong ?? strong2);
      parent.appendChild(node);
    } else if (em !== undefined || em2 !== undefined) {
      const node = el("em");
      appendInline(node, em ?? em2);
      parent.appendChild(node);
    } else if (label !== undefined) parent.appendChild(link(url, label));
    else if (bare !== undefined) parent.appendChild(link(bare, bare));
    else parent.appendChild(document.createTextNode(whole));
    last = at + whole.length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

/**
 * A block whose lines are inline Markdown, joined by line breaks.
 * @param {string} tag
 * @param {string[]} lines
 */
function block(tag, lines) {
  const node = el(tag);
  lines.forEach((line, n) => {
    if (n) node.appendChild(el("br"));
    appendInline(node, line);
  });
  return node;
}

/**
 * The note's Markdown as DOM nodes.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const root = document.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  /** @type {string[]} */
  let paragraph = [];
  /** @type {string[]} */
  let quote = [];
  /** @type {{node: HTMLElement, ordered: boolean} | null} */
  let list = null;
  const flush = () => {
    if (paragraph.length) root.appendChild(block("p", paragraph));
    if (quote.length) root.appendChild(block("blockquote", quote));
    paragraph = [];
    quote = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      list = null;
      const code = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      root.appendChild(el("pre", {}, [el("code", { text: code.join("\n") })]));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*(?:([-*+])|\d{1,9}[.)])\s+(.*)$/.exec(line);
    const quoted = /^\s*>\s?(.*)$/.exec(line);
    if (heading) {
      flush();
      list = null;
      root.appendChild(block(`h${Math.min(heading[1].length + 3, 6)}`, [heading[2]]));
    } else if (item) {
      flush();
      const ordered = item[1] === undefined;
      if (!list || list.ordered !== ordered) {
        list = { node: el(ordered ? "ol" : "ul"), ordered };
        root.appendChild(list.node);
      }
      const entry = el("li");
      const task = /^\[([ xX])\]\s+(.*)$/.exec(item[2]);
      if (task) entry.appendChild(document.createTextNode(task[1] === " " ? "☐ " : "☑ "));
      appendInline(entry, task ? task[2] : item[2]);
      list.node.appendChild(entry);
    } else if (quoted) {
      if (paragraph.length) flush();
      list = null;
      quote.push(quoted[1]);
    } else if (!line.trim()) {
      flush();
      list = null;
    } else {
      if (quote.length) flush();
      list = null;
      paragraph.push(line);
    }
  }
  flush();
  return root;
}
