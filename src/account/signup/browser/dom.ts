/** The two DOM helpers the member pages' scripts share. Only text is ever inserted. */

export function element<T extends HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** Sets the element's text and hides it while the text is empty. */
export function show(id: string, text: string): void {
  const target = element(id);
  if (target) {
    target.textContent = text;
    target.hidden = text === '';
  }
}
