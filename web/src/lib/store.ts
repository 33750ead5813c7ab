/**
 * The state-and-render pattern of the interactive pages (the waiting room, the door scanner,
 * the organizer's event workspace), in four parts that each live in one place:
 *
 * - state: one object holds everything the page knows (what the server said, what is loading,
 *   what the status lines say). Form fields the user is typing in stay in the form until
 *   submitted.
 * - actions: named functions `(state, …args) => next state`, the only way the state changes.
 *   They are pure (no DOM, no fetch, no clock), so a unit test can call them.
 * - views: one render function per part of the page, from state to DOM. A view names the part
 *   of the state it reads (`pick`) and runs again only when that changes; it never calls an
 *   action.
 * - effects: fetches, sockets, timers, the camera, DOM event listeners. They live outside the
 *   views and report what happened by calling actions.
 */

type Action<S> = (state: S, ...args: never[]) => S;

/** The actions as the page calls them: the state argument is the store's. */
export type Bound<S, A> = {
  [K in keyof A]: A[K] extends (state: S, ...args: infer P) => S ? (...args: P) => void : never;
};

export interface Store<S, A> {
  /** The state now. Read it anywhere; change it only through `actions`. */
  readonly state: S;
  readonly actions: Bound<S, A>;
  /**
   * Registers a view: `render(pick(state), state)` now, then after every action that changes
   * what `pick` returns (compared with Object.is, an array item by item).
   */
  view<T>(pick: (state: S) => T, render: (picked: T, state: S) => void): void;
}

const same = (a: unknown, b: unknown) =>
  Object.is(a, b) ||
  (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => Object.is(x, b[i])));

export function createStore<S, A extends Record<string, Action<S>>>(initial: S, actions: A): Store<S, A> {
  let state = initial;
  let rendering = false;
  const views: (() => void)[] = [];

  const bound = {} as Record<string, (...args: never[]) => void>;
  for (const [name, action] of Object.entries(actions)) {
    bound[name] = (...args) => {
      // A view that changed the state would make the page depend on the order views run in.
      if (rendering) throw new Error(`action "${name}" called while rendering: views only read the state`);
      const next = action(state, ...args);
      if (next === state) return;
      state = next;
      rendering = true;
      try {
        for (const run of views) run();
      } finally {
        rendering = false;
      }
    };
  }

  return {
    get state() {
      return state;
    },
    actions: bound as Bound<S, A>,
    view(pick, render) {
      let last = pick(state);
      views.push(() => {
        const now = pick(state);
        if (same(now, last)) return;
        last = now;
        render(now, state);
      });
      rendering = true;
      try {
        render(last, state);
      } finally {
        rendering = false;
      }
    },
  };
}
