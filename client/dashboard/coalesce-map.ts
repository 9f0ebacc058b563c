// RxJS operator: run an async task per trigger, but never two at once and never drop the last trigger:
// triggers arriving while the task runs collapse into one more run after it. (exhaustMap would drop them,
// concatMap would queue every one.)
import { Observable, type OperatorFunction } from 'rxjs';

export function coalesceMap<T, R>(task: () => Promise<R>): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let running = false;
      let again = false;
      let sourceDone = false;
      const run = (): void => {
        running = true;
        again = false;
        task().then(
          (value) => {
            subscriber.next(value);
            running = false;
            if (again) run();
            else if (sourceDone) subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
      };
      const sub = source.subscribe({
        next: () => (running ? (again = true) : run()),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!running) subscriber.complete();
        },
      });
      return () => sub.unsubscribe();
    });
}
