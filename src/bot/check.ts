import { LIMITS, type Block, type Form, type View } from './view.ts';

// One validator for the limits every platform shares (LIMITS), used by the bot on each screen it
// draws, by the adapters' renderers, and by the property test; plus the clipping the screens use
// so that hostile or long data never breaks a message.

/** Cuts a string to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** The text a platform shows for a view (what the 2000-character message limit counts). */
export function viewChars(view: View): number {
  let n = 0;
  for (const block of view.blocks) {
    if (block.type === 'header' || block.type === 'text') n += length(block.text) + 1;
    else if (block.type === 'fields') for (const f of block.fields) n += length(f.label) + length(f.value) + 3;
  }
  return n;
}

const length = (s: string) => Array.from(s).length;
const isAscii = (s: string) => /^[\x21-\x7e]+$/.test(s);

/** Every way a view breaks LIMITS, as readable problems; empty when it fits all three platforms. */
export function checkView(view: View): string[] {
  const problems: string[] = [];
  const add = (p: string) => problems.push(p);
  if (length(view.summary) === 0) add('summary is empty');
  if (length(view.summary) > LIMITS.messageChars) add('summary too long');
  if (view.blocks.length > LIMITS.blocks) add(`${view.blocks.length} blocks > ${LIMITS.blocks}`);
  let rows = 0;
  const actions = new Set<string>();
  const token = (where: string, action: string) => {
    if (!isAscii(action) || action.length > LIMITS.actionBytes) add(`${where}: action not ASCII or over ${LIMITS.actionBytes} bytes`);
    if (actions.has(action)) add(`${where}: action used twice in one message`);
    actions.add(action);
  };
  view.blocks.forEach((block: Block, i) => {
    const at = `block ${i}`;
    switch (block.type) {
      case 'header':
        if (length(block.text) === 0 || length(block.text) > LIMITS.header) add(`${at}: header length`);
        break;
      case 'text':
        if (length(block.text) === 0) add(`${at}: empty text`);
        break;
      case 'fields':
        if (block.fields.length === 0 || block.fields.length > LIMITS.fields) add(`${at}: ${block.fields.length} fields`);
        for (const f of block.fields) {
          if (length(f.label) === 0 || length(f.value) === 0) add(`${at}: empty field`);
          if (length(f.label) + length(f.value) > LIMITS.fieldChars) add(`${at}: field over ${LIMITS.fieldChars}`);
        }
        break;
      case 'actions': {
        const buttons = block.elements.filter((e) => e.type === 'button');
        const selects = block.elements.filter((e) => e.type === 'select');
        rows += (buttons.length > 0 ? 1 : 0) + selects.length;
        if (block.elements.length === 0) add(`${at}: empty actions`);
        if (buttons.length > LIMITS.buttonsPerRow) add(`${at}: ${buttons.length} buttons in a row`);
        for (const b of buttons) {
          if (length(b.label) === 0 || length(b.label) > LIMITS.buttonLabel) add(`${at}: button label length`);
          token(at, b.action);
        }
        for (const s of selects) {
          if (s.options.length === 0 || s.options.length > LIMITS.selectOptions) add(`${at}: ${s.options.length} select options`);
          if (length(s.placeholder) === 0 || length(s.placeholder) > LIMITS.placeholder) add(`${at}: placeholder length`);
          for (const o of s.options) {
            if (length(o.label) === 0 || length(o.label) > LIMITS.optionLabel) add(`${at}: option label length`);
            if (o.description !== undefined && length(o.description) > LIMITS.optionLabel) add(`${at}: option description length`);
            token(at, o.action);
          }
        }
        break;
      }
      case 'divider':
        break;
    }
  });
  if (rows > LIMITS.actionRows) add(`${rows} action rows > ${LIMITS.actionRows}`);
  if (viewChars(view) > LIMITS.messageChars) add(`${viewChars(view)} characters > ${LIMITS.messageChars}`);
  return problems;
}

export function checkForm(form: Form): string[] {
  const problems: string[] = [];
  if (length(form.title) === 0 || length(form.title) > LIMITS.formTitle) problems.push('form title length');
  if (length(form.submitLabel) === 0 || length(form.submitLabel) > LIMITS.buttonLabel) problems.push('submit label length');
  if (!isAscii(form.submit) || form.submit.length > LIMITS.actionBytes) problems.push('submit action');
  if (form.inputs.length === 0 || form.inputs.length > LIMITS.formInputs) problems.push(`${form.inputs.length} inputs`);
  const ids = new Set<string>();
  for (const input of form.inputs) {
    if (ids.has(input.id)) problems.push(`input ${input.id} twice`);
    ids.add(input.id);
    if (length(input.label) === 0 || length(input.label) > LIMITS.inputLabel) problems.push(`input ${input.id} label length`);
    if (input.maxLength < 1 || input.maxLength > LIMITS.inputMaxLength) problems.push(`input ${input.id} maxLength`);
    if (input.initial !== undefined && length(input.initial) > input.maxLength) problems.push(`input ${input.id} initial too long`);
    if (input.placeholder !== undefined && length(input.placeholder) > LIMITS.placeholder) problems.push(`input ${input.id} placeholder`);
  }
  return problems;
}

/** Throws when a view breaks a limit: a screen that does is a bug, caught by the tests. */
export function assertView(view: View): View {
  const problems = checkView(view);
  if (problems.length) throw new Error(`view "${view.summary}" breaks the platform limits: ${problems.join('; ')}`);
  return view;
}

/**
 * Clips a view's free text so the whole message fits: the longest text blocks are shortened
 * first, so a hostile note cannot push the buttons or the headline out of the message.
 */
export function fitView(view: View): View {
  const blocks = view.blocks.map((b): Block => {
    if (b.type === 'header') return { ...b, text: clip(b.text, LIMITS.header) };
    if (b.type === 'text') return { ...b, text: clip(b.text, LIMITS.messageChars / 2) };
    if (b.type === 'fields') {
      return { ...b, fields: b.fields.slice(0, LIMITS.fields).map((f) => ({ label: clip(f.label, 80), value: clip(f.value, 400) })) };
    }
    return b;
  });
  let fitted: View = { summary: clip(view.summary, 200), blocks };
  for (let guard = 0; viewChars(fitted) > LIMITS.messageChars && guard < 50; guard++) {
    const over = viewChars(fitted) - LIMITS.messageChars;
    let longest = -1;
    let longestLength = 0;
    fitted.blocks.forEach((b, i) => {
      const n = b.type === 'text' ? length(b.text) : b.type === 'fields' ? b.fields.reduce((s, f) => s + length(f.value), 0) : 0;
      if (n > longestLength) [longest, longestLength] = [i, n];
    });
    if (longest < 0) break;
    fitted = { ...fitted, blocks: fitted.blocks.map((b, i) => (i === longest ? shorten(b, over) : b)) };
  }
  return fitted;
}

function shorten(block: Block, by: number): Block {
  if (block.type === 'text') return { ...block, text: clip(block.text, Math.max(20, length(block.text) - by - 1)) };
  if (block.type === 'fields') {
    const per = Math.ceil(by / block.fields.length) + 1;
    return { ...block, fields: block.fields.map((f) => ({ ...f, value: clip(f.value, Math.max(10, length(f.value) - per)) })) };
  }
  return block;
}
