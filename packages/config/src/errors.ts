/**
 * An error caused by input (a config file, an ABC file, a flag, a request body) rather than a bug.
 * `where` names the place: `file:line:col`, a YAML path with its line, or a field name.
 * The CLI prints these as one line and exits 1; the dashboard maps them to HTTP 400.
 */
export class InputError extends Error {
  readonly userError = true;
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'InputError';
  }
}
