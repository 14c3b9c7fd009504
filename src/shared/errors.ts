// Every error flowops raises carries a stable `code` (for machines and tests),
// structured `data`, and — when the mistake is in a user's file — where it is.

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : '';
}

export class FlowopsError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  readonly pos?: SourcePos;

  constructor(code: string, message: string, data: Record<string, unknown> = {}, pos?: SourcePos) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
    this.pos = pos;
  }

  /** `file:line:col field: message` when a position is known, otherwise the message. */
  override toString(): string {
    return this.pos ? `${formatPos(this.pos)} ${this.message}` : this.message;
  }
}

/**
 * A defect in a spec file: always has a position and the field path that is
 * wrong. `message` says what is wrong and never repeats the field (renderers
 * put `field` in front once); toString() gives `file:line:col field: message`.
 */
export class SpecError extends FlowopsError {
  constructor(code: string, pos: SourcePos, field: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, { field, ...data }, pos);
  }
  get field(): string {
    return String(this.data.field ?? '');
  }
  override toString(): string {
    return `${formatPos(this.pos)} ${withField(this.field, this.message)}`;
  }
}

/** `field: message` (just the message when there is no field): how a spec problem reads in one line. */
export function withField(field: string, message: string): string {
  return field ? `${field}: ${message}` : message;
}

/** Several spec errors found in one pass; validation reports all of them, not only the first. */
export class SpecErrors extends FlowopsError {
  readonly errors: SpecError[];
  constructor(errors: SpecError[]) {
    super('SPEC_INVALID', `${errors.length} error${errors.length === 1 ? '' : 's'} in specs`, { count: errors.length });
    this.errors = errors;
  }
  override toString(): string {
    return this.errors.map((e) => e.toString()).join('\n');
  }
}

/** A name that is not in the P4Info (table, field, action, param, profile). Never resolved to id 0. */
export class P4InfoError extends FlowopsError {}

/** A value that does not fit the P4 field it is meant for (named by table and field). */
export class EncodeError extends FlowopsError {}

/** Configuration file or environment problems. */
export class ConfigError extends FlowopsError {}
