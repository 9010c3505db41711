import { button, el, replaceChildren, type Child } from './dom.js';

/** A modal `<dialog>` with a heading (its accessible name) and a Close button; Escape closes it too. */
export class Modal {
  readonly element = el('dialog', { 'aria-labelledby': '' });
  private readonly title = el('h2');
  private readonly content = el('div', { class: 'modal-content' });
  private static count = 0;

  constructor() {
    const id = `modal-title-${String(++Modal.count)}`;
    this.title.id = id;
    this.element.setAttribute('aria-labelledby', id);
    this.element.append(el('div', { class: 'section-head' }, this.title, button('Close', () => this.close())), this.content);
    document.body.append(this.element);
  }

  show(title: string, ...children: readonly Child[]): void {
    this.title.textContent = title;
    replaceChildren(this.content, ...children);
    if (!this.element.open) this.element.showModal();
  }

  get open(): boolean {
    return this.element.open;
  }

  close(): void {
    this.element.close();
  }
}
