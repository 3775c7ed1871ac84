import { assertView, type Block, type View } from '../../bot/index.ts';

// A view as HTML. Everything from the view is text: it is escaped, never interpreted, so a
// hostile name or note shows as typed. Buttons carry their action token for the page's script.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function block(b: Block): string {
  switch (b.type) {
    case 'header':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'text':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'fields':
      return `<dl>${b.fields.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd>`).join('')}</dl>`;
    case 'divider':
      return '<hr>';
    case 'actions':
      return `<div class="actions">${b.elements
        .map((e) =>
          e.type === 'button'
            ? `<button type="button" class="${e.style ?? ''}" data-action="${escapeHtml(e.action)}">${escapeHtml(e.label)}</button>`
            : `<select data-select><option value="">${escapeHtml(e.placeholder)}</option>${e.options
                .map((o) => `<option value="${escapeHtml(o.action)}">${escapeHtml(o.label)}${o.description ? ` — ${escapeHtml(o.description)}` : ''}</option>`)
                .join('')}</select>`,
        )
        .join('')}</div>`;
  }
}

export function renderView(view: View): string {
  assertView(view);
  return view.blocks.map(block).join('');
}
