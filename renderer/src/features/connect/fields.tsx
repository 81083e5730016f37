import type { ReactNode } from 'react';

/** What a control needs to belong to its field: the label's target, and the line that describes it. */
export interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** The control, given the id and aria attributes that tie it to the label and the hint or error. */
  children: (control: ControlProps) => ReactNode;
}

/**
 * One labelled control with a line below it: the error when there is one, else the hint. The only
 * place the profile form's field markup is written.
 */
export function Field({ id, label, hint, error, children }: FieldProps) {
  const line = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': line })}
      {error ? (
        <div className="field-error" id={line} data-field-error>
          {error}
        </div>
      ) : hint ? (
        <div className="field-hint" id={line}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

export interface TextFieldProps extends Omit<FieldProps, 'children'> {
  /** The input's form name (tests and autofill find fields by it). */
  name: string;
  value: string;
  onChange(value: string): void;
  type?: 'text' | 'password';
  /** Monospace and not spell-checked: URLs, key prefixes, addresses, file paths. */
  mono?: boolean;
  /** More classes on the input (e.g. `input-num`). */
  className?: string;
  inputMode?: 'url' | 'numeric';
  placeholder?: string;
  disabled?: boolean;
  autoFocus?: boolean;
  /** On the input's row, after it (the Forget checkbox); the row exists whenever this is given. */
  beside?: ReactNode;
}

/** A one-line text (or password) input in a {@link Field}. Never autofilled: passwords are `new-password`. */
export function TextField({ name, value, onChange, type = 'text', mono, className, inputMode, placeholder, disabled, autoFocus, beside, ...field }: TextFieldProps) {
  return (
    <Field {...field}>
      {(control) => {
        const input = (
          <input
            {...control}
            name={name}
            className={['input', mono ? 'input-mono' : '', className ?? ''].filter(Boolean).join(' ')}
            type={type}
            inputMode={inputMode}
            autoComplete={type === 'password' ? 'new-password' : 'off'}
            spellCheck={mono ? false : undefined}
            placeholder={placeholder}
            value={value}
            disabled={disabled}
            autoFocus={autoFocus}
            onChange={(e) => onChange(e.target.value)}
          />
        );
        return beside === undefined ? (
          input
        ) : (
          <div className="input-row">
            {input}
            {beside}
          </div>
        );
      }}
    </Field>
  );
}

interface SecretFieldProps extends Omit<TextFieldProps, 'type' | 'placeholder' | 'disabled' | 'beside' | 'mono'> {
  /** A secret is saved for this profile: the field says so and offers to forget it. */
  saved: boolean;
  /** The hint while one is saved, e.g. "Saved. Leave blank to keep it." */
  savedText: string;
  /** The data attribute that marks that hint (tests wait for it). */
  savedMarker: `data-${string}`;
  forget: boolean;
  forgetName: string;
  onForget(forget: boolean): void;
}

/**
 * A password the core keeps: never prefilled, blank keeps a saved one, and a Forget checkbox
 * beside it while one is saved (ticking it disables the input).
 */
export function SecretField({ saved, savedText, savedMarker, forget, forgetName, onForget, hint, ...field }: SecretFieldProps) {
  return (
    <TextField
      {...field}
      type="password"
      hint={
        saved ? (
          <span className="password-saved" {...{ [savedMarker]: true }}>
            {savedText}
          </span>
        ) : (
          hint
        )
      }
      placeholder={saved ? '•••••••• saved' : 'none'}
      disabled={forget}
      beside={
        saved ? (
          <label className="check check-inline">
            <input type="checkbox" name={forgetName} checked={forget} onChange={(e) => onForget(e.target.checked)} />
            Forget
          </label>
        ) : null
      }
    />
  );
}
