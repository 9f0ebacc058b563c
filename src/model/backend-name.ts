// The tfjs backend names and the one this process chose, without importing tfjs: /healthz and the CLI read them
// where the model layer may never have been loaded (a baseline forecaster runs no tfjs at all).

/** `auto`: tensorflow when tfjs-node loads, else wasm, else cpu (backend.ts). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

let active: BackendName | undefined;

/** Called by initBackend once the backend runs. */
export function noteBackend(name: BackendName): void {
  active = name;
}

/** The backend initBackend started in this process; undefined before (or when no model uses tfjs). */
export function activeBackend(): BackendName | undefined {
  return active;
}

export function isBackendChoice(v: unknown): v is BackendChoice {
  return (BACKEND_CHOICES as readonly unknown[]).includes(v);
}
