import { useEffect, useState } from "preact/hooks";

/**
 * Whether the tab is visible. The live feed and the polls stop while it is
 * hidden, so a dashboard left in a background tab costs the gateway nothing.
 */
export function useVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState !== "hidden");
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== "hidden");
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);
  return visible;
}
