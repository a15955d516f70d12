/** @jsxImportSource hono/jsx */
// A Haystack ref shown as its target's name with a link to the target's page; the ref itself is the
// link's title. A ref whose target is not visible (or gone) is shown as the bare `@id`.

/** A ref's target, as a page shows it. */
export interface RefTarget {
  /** Entity id (the database key the pages link by). */
  id: number;
  /** The target's `id` tag (`demo.ahu-1`), without `@`. */
  ref: string | null;
  /** The target's `dis`, when it has one. */
  dis: string | null;
}

/** The page of an entity: equipment, point, or any other entity (a site). */
export const entityHref = (id: number) => `/explorer/entity/${id}`;

export const refName = (r: RefTarget) => r.dis ?? r.ref ?? String(r.id);

export function RefLink(props: { target: RefTarget | null; fallback?: string | null }) {
  const t = props.target;
  if (!t) return props.fallback ? <span class="mono">@{props.fallback}</span> : <span class="muted">–</span>;
  return (
    <a class="ref" href={entityHref(t.id)} title={`@${t.ref ?? t.id}`}>
      {refName(t)}
    </a>
  );
}
