/** Building DOM nodes from data without innerHTML: text always goes in as text. */
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string | null | undefined>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** The element with this id, checked to be of the given class (an HTMLElement by default); throws if not. */
export function byId(id: string): HTMLElement;
export function byId<T extends Element>(id: string, type: abstract new () => T): T;
export function byId(id: string, type: abstract new () => Element = HTMLElement): Element {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id}: ${el ? `not a ${type.name}` : 'missing'}`);
  return el;
}

/** 12345 → "12,345"; MB → "12.3 GB". */
export const num = (n: number) => n.toLocaleString('en-US');
export const gb = (mb: number) => `${(mb / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB`;

export function bar(used: number, total: number, label: string): HTMLElement {
  const share = total > 0 ? Math.min(1, used / total) : 0;
  return h('span', {},
    h('span', { class: share > 0.9 ? 'bar hot' : 'bar', role: 'img', 'aria-label': `${label} ${Math.round(share * 100)} % used` },
      h('span', { style: `width:${(share * 100).toFixed(1)}%` })),
    `${num(used)} / ${num(total)}`);
}

/** Children for replaceChildren, leaving out the absent ones. */
export function nodes(...xs: Array<Node | string | null | undefined>): Array<Node | string> {
  return xs.filter((x): x is Node | string => x !== null && x !== undefined);
}
