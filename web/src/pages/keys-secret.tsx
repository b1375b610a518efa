import { useEffect, useRef, useState } from "preact/hooks";

/**
 * A new key's secret, shown this once: the gateway keeps only its hash. A
 * copy button, a warning, and a dismiss that forgets it.
 */
export function SecretOnce({
  name,
  secret,
  onDismiss,
}: {
  name: string;
  secret: string;
  onDismiss: () => void;
}) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"" | "copied" | "select">("");
  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [secret]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("copied");
    } catch {
      // No clipboard permission (an insecure origin, or a browser that asks): the text is selected instead.
      field.current?.select();
      setCopied("select");
    }
  }

  return (
    <section class="card secret-once" aria-labelledby="secret-title">
      <h2 id="secret-title">The secret of “{name}”</h2>
      <p class="warning">
        <strong>Copy it now.</strong> The gateway stores only a hash of it and will never show it again.
        Anyone with it can spend this key's budget.
      </p>
      <div class="secret-row">
        <label class="sr-only" for="new-key-secret">
          Secret of {name}
        </label>
        <input
          id="new-key-secret"
          ref={field}
          class="mono"
          readOnly
          value={secret}
          data-testid="new-key-secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" class="ghost" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
      <p class="muted small" role="status" aria-live="polite">
        {copied === "copied"
          ? "Copied to the clipboard."
          : copied === "select"
            ? "Selected: press Ctrl+C to copy."
            : ""}
      </p>
    </section>
  );
}
