import { timestampMs } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import type { AuditFilter, AuditRecord } from "../../../gen/llmgw/v1/audit_pb.js";
import { Card } from "../components/card.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import { parseGuardVerdicts, prettyPayload } from "../data/guard-verdicts.ts";
import { usePoll } from "../data/use-poll.ts";
import { formatTime } from "../format/dates.ts";
import { formatCount, formatMs, formatUsd } from "../format/numbers.ts";
import type { PageProps } from "../page.ts";

type Search = Pick<AuditFilter, "text" | "key" | "model" | "status">;
const NO_SEARCH: Search = { text: "", key: "", model: "", status: "" };

/** The audit log (admin only): search with AuditService.QueryAudit, open a record with GetAuditRecord. */
export function AuditPage({ client }: PageProps) {
  const [draft, setDraft] = useState<Search>(NO_SEARCH);
  const [search, setSearch] = useState<Search>(NO_SEARCH);
  const [pages, setPages] = useState<string[]>([""]);
  const [open, setOpen] = useState<string | undefined>(openFromHash());
  const token = pages[pages.length - 1] ?? "";
  const list = usePoll(
    (signal) => client.audit.queryAudit({ filter: search, pageSize: 25, pageToken: token }, { signal }),
    10_000,
    [search, token],
  );
  const record = usePoll(
    async (signal) =>
      open === undefined ? undefined : (await client.audit.getAuditRecord({ id: open }, { signal })).record,
    0,
    [open],
  );
  const set = (field: keyof Search) => (e: Event) =>
    setDraft({ ...draft, [field]: (e.target as HTMLInputElement).value });
  const show = (id: string | undefined) => {
    setOpen(id);
    history.replaceState(null, "", id === undefined ? "#/audit" : `#/audit/${encodeURIComponent(id)}`);
  };

  return (
    <div class="grid">
      <form
        class="toolbar card card-wide"
        aria-label="Search the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([""]);
          setSearch({ ...draft });
        }}
      >
        <div class="field grow">
          <label for="au-text">Search text</label>
          <input
            id="au-text"
            type="search"
            placeholder="words in the request or answer"
            value={draft.text}
            onInput={set("text")}
          />
        </div>
        <div class="field">
          <label for="au-key">Key</label>
          <input id="au-key" value={draft.key} onInput={set("key")} />
        </div>
        <div class="field">
          <label for="au-model">Model</label>
          <input id="au-model" value={draft.model} onInput={set("model")} />
        </div>
        <div class="field">
          <label for="au-status">Status</label>
          <select id="au-status" value={draft.status} onChange={set("status")}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="rate_limited">rate_limited</option>
            <option value="budget_exhausted">budget_exhausted</option>
            <option value="guard_blocked">guard_blocked</option>
            <option value="unauthenticated">unauthenticated</option>
            <option value="upstream_unavailable">upstream_unavailable</option>
          </select>
        </div>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {list.error !== undefined ? <ErrorNotice error={list.error} what="Audit log" /> : null}
      <Card
        title="Records"
        wide={open === undefined}
        actions={
          <>
            <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
              Newer
            </button>
            <button
              type="button"
              disabled={(list.data?.nextPageToken ?? "") === ""}
              onClick={() => setPages([...pages, list.data?.nextPageToken ?? ""])}
            >
              Older
            </button>
          </>
        }
      >
        {list.loading ? (
          <p class="muted">Loading…</p>
        ) : (list.data?.records.length ?? 0) === 0 ? (
          <Empty>
            No records match. Is the audit log on (`audit.enabled`)? Records are written a second after a
            request.
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Key</th>
                  <th scope="col">Model</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Tokens
                  </th>
                  <th scope="col" class="num">
                    Latency
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data?.records.map((r) => (
                  <tr key={r.id} class={r.id === open ? "selected" : undefined}>
                    <th scope="row">
                      <button
                        type="button"
                        class="link"
                        onClick={() => show(r.id)}
                        aria-label={`Open record ${r.requestId}`}
                      >
                        {r.at === undefined ? r.id : formatTime(timestampMs(r.at))}
                      </button>
                    </th>
                    <td>{r.key || "–"}</td>
                    <td class="mono">{r.model}</td>
                    <td>
                      <StatusPill status={r.status} />
                    </td>
                    <td class="num">{formatCount(r.promptTokens + r.completionTokens)}</td>
                    <td class="num">{formatMs(r.latencyMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {open === undefined ? null : (
        <Card
          title="Record"
          actions={
            <button type="button" onClick={() => show(undefined)}>
              Close
            </button>
          }
        >
          {record.error !== undefined ? (
            <ErrorNotice error={record.error} what="Record" />
          ) : record.data === undefined ? (
            <p class="muted">Loading…</p>
          ) : (
            <RecordView record={record.data} />
          )}
        </Card>
      )}
    </div>
  );
}

function RecordView({ record }: { readonly record: AuditRecord }) {
  const verdicts = parseGuardVerdicts(record.guard);
  return (
    <div class="record">
      <dl class="facts">
        <dt>Request id</dt>
        <dd class="mono">{record.requestId}</dd>
        <dt>When</dt>
        <dd>{record.at === undefined ? "–" : formatTime(timestampMs(record.at))}</dd>
        <dt>Surface</dt>
        <dd>{record.surface}</dd>
        <dt>Key</dt>
        <dd>
          {record.key || "–"}
          {record.team ? ` (team ${record.team})` : ""}
        </dd>
        <dt>Served by</dt>
        <dd>
          {record.provider || "–"} · <span class="mono">{record.model}</span>
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusPill status={record.status} />
        </dd>
        <dt>Tokens</dt>
        <dd>
          {formatCount(record.promptTokens)} in, {formatCount(record.completionTokens)} out
        </dd>
        <dt>Cost</dt>
        <dd>{formatUsd(record.costUsd)}</dd>
        <dt>Latency</dt>
        <dd>{formatMs(record.latencyMs)}</dd>
        <dt>Stored as</dt>
        <dd>{record.mode}</dd>
      </dl>
      <h3 class="sub">Guard verdicts</h3>
      {verdicts.length === 0 ? (
        <Empty>No guard ran on this request, or none matched.</Empty>
      ) : (
        <ul class="verdicts">
          {verdicts.map((v) => (
            <li key={`${v.rule}/${v.action}`}>
              <span class="mono">{v.rule}</span>{" "}
              <span
                class={`pill pill-${v.action === "block" ? "bad" : v.action === "allow" ? "good" : "warn"}`}
              >
                {v.action}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3 class="sub">Request (as stored)</h3>
      {record.request === "" ? (
        <Empty>Not stored ({record.mode}).</Empty>
      ) : (
        <pre class="stored">{prettyPayload(record.request)}</pre>
      )}
      <h3 class="sub">Response (as stored)</h3>
      {record.response === "" ? (
        <Empty>Not stored ({record.mode}).</Empty>
      ) : (
        <pre class="stored">{prettyPayload(record.response)}</pre>
      )}
    </div>
  );
}

function StatusPill({ status }: { readonly status: string }) {
  return <span class={`pill pill-${status === "ok" ? "good" : "bad"}`}>{status}</span>;
}

/** `#/audit/<id>` opens a record, so a link to one can be shared (the id is no secret). */
function openFromHash(): string | undefined {
  const match = /^#\/audit\/(.+)$/.exec(location.hash);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}
