import { ApiError, type JobJSON } from './api.js';
import type { Dashboard } from './context.js';
import { el, field, replaceChildren } from './dom.js';
import { absolute, fromNow } from './format-time.js';
import { Modal } from './modal.js';

const TRIGGER_FIELDS = {
  interval: ['weeks', 'days', 'hours', 'minutes', 'seconds', 'start_date', 'end_date'],
  cron: ['crontab', 'minute', 'hour', 'day', 'month', 'day_of_week', 'second', 'start_date', 'end_date'],
  date: ['run_date'],
} as const;
type TriggerKind = keyof typeof TRIGGER_FIELDS;
const NUMERIC = new Set(['weeks', 'days', 'hours', 'minutes', 'seconds']);
const LABELS: Readonly<Record<string, string>> = { crontab: 'Crontab line', day_of_week: 'Day of week', run_date: 'Run date (ISO 8601)', start_date: 'Start date', end_date: 'End date' };

/** Add or edit a job: trigger kind and its fields (or a crontab line), a live preview of the next fire times, the API's message by the field it names. */
export class JobForm {
  private readonly modal = new Modal();
  private readonly inputs = new Map<string, HTMLInputElement>();
  private readonly errors = new Map<string, HTMLElement>();
  private readonly kind = el('select', {}, ...Object.keys(TRIGGER_FIELDS).map((kind) => el('option', { value: kind }, kind)));
  private readonly funcs = el('datalist', { id: 'known-funcs' });
  private readonly preview = el('ol', { class: 'fire-times', 'aria-live': 'polite' });
  private readonly formError = el('p', { class: 'error', role: 'alert' });
  private readonly triggerFields = el('fieldset', {});
  private editing: JobJSON | null = null;
  private previewTimer = 0;
  private previewSeq = 0;

  constructor(private readonly dashboard: Dashboard) {
    for (const key of ['id', 'name', 'func', 'timezone', 'args', ...new Set(Object.values(TRIGGER_FIELDS).flat())]) {
      const input = el('input', { name: key, autocomplete: 'off', ...(key === 'func' && { list: 'known-funcs' }), ...(NUMERIC.has(key) && { inputmode: 'numeric' }) });
      input.addEventListener('input', () => this.schedulePreview());
      this.inputs.set(key, input);
      this.errors.set(key, el('small', { class: 'error', id: `error-${key}` }));
      input.setAttribute('aria-describedby', `error-${key}`);
    }
    this.kind.addEventListener('change', () => { this.drawTriggerFields(); this.schedulePreview(); });
  }

  open(job: JobJSON | null): void {
    this.editing = job;
    for (const [key, input] of this.inputs) {
      const value = job?.[key];
      input.value = value === undefined ? '' : key === 'args' ? JSON.stringify(value) : String(value);
    }
    this.input('id').disabled = job !== null;
    this.kind.value = job?.trigger ?? 'interval';
    if (!job) this.input('minutes').value = '5';
    replaceChildren(this.funcs, ...[...new Set(this.dashboard.jobs.map((j) => j.func))].sort().map((func) => el('option', { value: func })));
    this.clearErrors();
    const form = el('form', { novalidate: true },
      this.formError,
      this.labelled('id', 'Id'), this.labelled('name', 'Name'), this.labelled('func', 'Function (module:function)'), this.funcs,
      field('Trigger', this.kind),
      this.triggerFields,
      this.labelled('timezone', 'Time zone (IANA)'), this.labelled('args', 'Arguments (JSON array)'),
      el('h3', {}, 'Next fire times'), this.preview,
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, job ? 'Save job' : 'Add job')));
    form.addEventListener('submit', (event) => { event.preventDefault(); void this.submit(); });
    this.drawTriggerFields();
    this.modal.show(job ? `Edit job ${job.id}` : 'Add a job', form);
    this.schedulePreview();
    (job ? this.input('name') : this.input('id')).focus();
  }

  private input(key: string): HTMLInputElement {
    const input = this.inputs.get(key);
    if (!input) throw new Error(`no field ${key}`);
    return input;
  }

  private labelled(key: string, label: string): HTMLElement {
    return el('div', {}, field(label, this.input(key)), this.errors.get(key));
  }

  private drawTriggerFields(): void {
    const keys = TRIGGER_FIELDS[this.kind.value as TriggerKind];
    replaceChildren(this.triggerFields, el('legend', {}, `${this.kind.value} trigger`), ...keys.map((key) => this.labelled(key, LABELS[key] ?? key.replace('_', ' '))));
  }

  /** The trigger part of the body: kind, the fields filled in, the zone. */
  private triggerBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { trigger: this.kind.value };
    for (const key of TRIGGER_FIELDS[this.kind.value as TriggerKind]) {
      const value = this.input(key).value.trim();
      if (value !== '') body[key] = NUMERIC.has(key) && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    }
    const zone = this.input('timezone').value.trim();
    if (zone !== '') body.timezone = zone;
    return body;
  }

  private body(): Record<string, unknown> {
    const body: Record<string, unknown> = this.triggerBody();
    for (const key of ['id', 'name', 'func']) {
      const value = this.input(key).value.trim();
      if (value !== '' && !(key === 'id' && this.editing)) body[key] = value;
    }
    const args = this.input('args').value.trim();
    if (args !== '') {
      try {
        body.args = JSON.parse(args) as unknown;
      } catch {
        body.args = args; // the API names what is wrong with it
      }
    }
    return body;
  }

  private schedulePreview(): void {
    window.clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => void this.drawPreview(), 250);
  }

  private async drawPreview(): Promise<void> {
    const seq = ++this.previewSeq;
    try {
      const times = await this.dashboard.api.previewTrigger(this.triggerBody(), 5);
      if (seq !== this.previewSeq) return;
      replaceChildren(this.preview, ...(times.length === 0 ? [el('li', {}, 'It never fires.')] : times.map((time) => el('li', {}, absolute(time), ' ', el('small', { class: 'muted' }, fromNow(time))))));
    } catch (error) {
      if (seq === this.previewSeq) replaceChildren(this.preview, el('li', { class: 'muted' }, error instanceof Error ? error.message : String(error)));
    }
  }

  private async submit(): Promise<void> {
    this.clearErrors();
    const { api } = this.dashboard;
    try {
      const saved = this.editing
        ? await api.call<JobJSON>('PATCH', api.jobPath(this.editing.id), this.body())
        : await api.call<JobJSON>('POST', '/jobs', this.body());
      this.modal.close();
      this.dashboard.notify(`${this.editing ? 'Saved' : 'Added'} job ${saved.id}`);
      await this.dashboard.refresh();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.showError(error.message);
    }
  }

  /** Next to the field the message names (the longest name it mentions), else at the top. */
  private showError(message: string): void {
    const keys = [...this.inputs.keys()].filter((key) => this.inputs.get(key)?.isConnected).sort((a, b) => b.length - a.length);
    const key = keys.find((name) => new RegExp(`\\b${name}\\b`).test(message));
    const target = key === undefined ? this.formError : this.errors.get(key);
    if (target) target.textContent = message;
    if (key !== undefined) this.input(key).setAttribute('aria-invalid', 'true');
  }

  private clearErrors(): void {
    this.formError.textContent = '';
    for (const error of this.errors.values()) error.textContent = '';
    for (const input of this.inputs.values()) input.removeAttribute('aria-invalid');
  }
}
