/** @jsxImportSource hono/jsx */
// An entity's tags: markers as plain names, values as `name: value`, refs as the target's name
// with a link (the raw `@id` is the link's title).
import { RefLink, type RefTarget } from "./ref-link.tsx";

export interface TagView {
  name: string;
  /** Display text of the value (`✓` for a marker, `@id` for a ref). */
  text: string;
  marker: boolean;
  /** For a ref tag: its target when visible, else null (shown as `@id`). */
  ref?: RefTarget | null;
}

export function TagChips(props: { tags: readonly TagView[] }) {
  return (
    <>
      {props.tags.map((t) =>
        t.marker ? (
          <span class="tag">{t.name}</span>
        ) : t.ref !== undefined ? (
          <span class="tag">
            {t.name}: <RefLink target={t.ref} fallback={t.text.replace(/^@/, "")} />
          </span>
        ) : (
          <span class="tag">
            {t.name}: {t.text}
          </span>
        ),
      )}
    </>
  );
}

/** The tags as a definition list (entity pages): values first, then the markers on one line. */
export function TagTable(props: { tags: readonly TagView[] }) {
  const values = props.tags.filter((t) => !t.marker);
  const markers = props.tags.filter((t) => t.marker);
  return (
    <dl class="facts tag-table">
      {values.map((t) => (
        <>
          <dt>{t.name}</dt>
          <dd>
            {t.ref !== undefined ? (
              <RefLink target={t.ref} fallback={t.text.replace(/^@/, "")} />
            ) : (
              <span class="wrap-anywhere">{t.text}</span>
            )}
          </dd>
        </>
      ))}
      {markers.length > 0 ? (
        <>
          <dt>markers</dt>
          <dd>
            {markers.map((t) => (
              <span class="tag">{t.name}</span>
            ))}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/** The tags panel of an entity page. */
export function TagsPanel(props: { tags: readonly TagView[] }) {
  return (
    <section class="panel" aria-labelledby="h-tags">
      <h2 id="h-tags">Tags</h2>
      <TagTable tags={props.tags} />
    </section>
  );
}
