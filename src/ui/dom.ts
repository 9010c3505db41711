// Elements are built here and only here, and every value goes in as text: nothing a job holds can
// become markup (no innerHTML anywhere in the dashboard).

/** Properties and attributes an element may be given: strings or booleans, set one by one. */
export type Props = Readonly<Record<string, string | number | boolean | undefined>>;
export type Child = Node | string | number | null | undefined | false;

/** `el('button', { type: 'button' }, 'Pause')`: attributes by setAttribute, children as text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: readonly Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children, strings as text. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A button that calls `onClick`; its text is its accessible name. */
export function button(label: string, onClick: () => void, props: Props = {}): HTMLButtonElement {
  const element = el('button', { type: 'button', ...props }, label);
  element.addEventListener('click', onClick);
  return element;
}

/** A labelled form field (the label names the control for assistive technology). */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return el('label', { class: 'field' }, el('span', {}, label), control, hint ? el('small', {}, hint) : null);
}
