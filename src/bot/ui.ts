import { assertView, clip, fitView } from './check.ts';
import type { FormDraw } from './feature.ts';
import { LIMITS, type Block, type Button, type Form, type FormInput, type Select, type SelectOption, type View } from './view.ts';

// Small builders the screens are written with; `screen` clips free text to the limits and checks
// the result, so no screen can send a message a platform would refuse.

export const header = (text: string): Block => ({ type: 'header', text: clip(text, LIMITS.header) });
export const text = (...lines: string[]): Block => ({ type: 'text', text: lines.filter((l) => l !== '').join('\n') || ' ' });
export const divider = (): Block => ({ type: 'divider' });

/** Label/value pairs; empty values read as a dash. */
export function fields(pairs: [string, string | null | undefined][]): Block {
  return { type: 'fields', fields: pairs.slice(0, LIMITS.fields).map(([label, value]) => ({ label, value: value?.trim() ? value : '—' })) };
}

export function button(label: string, action: string, style?: Button['style']): Button {
  return { type: 'button', label: clip(label, LIMITS.buttonLabel), action, ...(style ? { style } : {}) };
}

export function option(label: string, action: string, description?: string): SelectOption {
  return { label: clip(label, LIMITS.optionLabel), action, ...(description ? { description: clip(description, LIMITS.optionLabel) } : {}) };
}

export function select(placeholder: string, options: SelectOption[]): Select {
  return { type: 'select', placeholder: clip(placeholder, LIMITS.placeholder), options: options.slice(0, LIMITS.selectOptions) };
}

/** One row of up to five buttons, or a select on its own. */
export function row(...elements: (Button | Select)[]): Block {
  return { type: 'actions', elements };
}

/** Buttons laid out five to a row, at most `maxRows` rows. */
export function buttonRows(buttons: Button[], maxRows: number): Block[] {
  const rows: Block[] = [];
  for (let i = 0; i < buttons.length && rows.length < maxRows; i += LIMITS.buttonsPerRow) {
    rows.push(row(...buttons.slice(i, i + LIMITS.buttonsPerRow)));
  }
  return rows;
}

export function screen(summary: string, blocks: (Block | null | undefined | false)[]): View {
  return assertView(fitView({ summary: summary || ' ', blocks: blocks.filter((b): b is Block => Boolean(b)) }));
}

export function input(id: string, label: string, o: Partial<Omit<FormInput, 'id' | 'label'>> = {}): FormInput {
  const maxLength = o.maxLength ?? 200;
  return {
    id,
    label: clip(label, LIMITS.inputLabel),
    style: o.style ?? 'text',
    required: o.required ?? false,
    maxLength,
    ...(o.placeholder ? { placeholder: clip(o.placeholder, LIMITS.placeholder) } : {}),
    ...(o.initial ? { initial: clip(o.initial, maxLength) } : {}),
  };
}

export function form(title: string, submit: string, submitLabel: string, inputs: FormInput[]): Form {
  return { title: clip(title, LIMITS.formTitle), submit, submitLabel, inputs: inputs.slice(0, LIMITS.formInputs) };
}

/**
 * An input for a value the form edits: drawn with the current value when the bot read it; else
 * empty and optional, and an empty answer keeps the value (see FormDraw.current).
 */
export function editInput(d: FormDraw, id: string, label: string, o: Partial<Omit<FormInput, 'id' | 'label' | 'initial'>> = {}): FormInput {
  if (d.current) return input(id, label, { ...o, ...(d.current[id] ? { initial: d.current[id] } : {}) });
  return input(id, label, { ...o, required: false, placeholder: 'Leave empty to keep it as it is' });
}
