import { createWriteStream, type WriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Principal } from '../../lib/principal';

/** One line per operation. It never holds a token, a header, or a variable's value. */
export interface AuditRecord {
  time: string;
  requestId: string;
  sub: string | null;
  clientId: string | null;
  kind: Principal['kind'] | null;
  tenant: string | null;
  operationName: string | null;
  /** The persisted operation's id, or the SHA-256 of the document. */
  operationId: string | null;
  sensitiveFieldsRead: string[];
  deniedFields: string[];
  outcome: 'success' | 'partial' | 'error' | 'unauthenticated' | 'rejected';
  errorCodes: string[];
  durationMs: number;
}

/** What the request context tells the audit trail; the authorizing gateway fills in the fields. */
export interface AuditedContext {
  principal: Principal;
  requestId: string;
  grantedFields?: string[];
  deniedFields?: string[];
  persistedOperationId?: string;
}

export type AuditSink = (line: string) => void;

/** AUDIT_LOG: "stdout" (default), "stderr", "off", or a file path appended to. */
export function openAuditSink(destination: string): { write: AuditSink; close(): Promise<void> } {
  if (destination === 'off') return { write: () => undefined, close: async () => undefined };
  if (destination === 'stdout' || destination === 'stderr') {
    const stream = destination === 'stdout' ? process.stdout : process.stderr;
    const lines = batchedLines((chunk) => stream.write(chunk));
    return { write: lines.write, close: async () => lines.flush() };
  }
  const file: WriteStream = createWriteStream(destination, { flags: 'a', mode: 0o600 });
  const lines = batchedLines((chunk) => file.write(chunk));
  return {
    write: lines.write,
    close: () => {
      lines.flush();
      return new Promise((resolve) => file.end(() => resolve()));
    },
  };
}

/**
 * The lines written in one turn of the event loop leave in one write. In a container stdout is a pipe, and
 * on Linux Node writes to a pipe synchronously: a system call per request, on the request's path. A line
 * waits at most until the loop turns; close() writes what is left.
 */
function batchedLines(write: (chunk: string) => void): { write: AuditSink; flush(): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    write(chunk);
  };
  return {
    write: (line) => {
      pending.push(`${line}\n`);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** The audit trail: records every operation, and the requests refused before they became one. */
export class AuditTrail {
  constructor(
    private readonly sink: AuditSink,
    /** Fields whose requirement names one of these scopes are "sensitive" in the audit trail. */
    private readonly isSensitive: (coordinate: string) => boolean,
  ) {}

  unauthenticated(requestId: string, startedAt: number): void {
    this.write({
      time: new Date().toISOString(),
      requestId,
      sub: null,
      clientId: null,
      kind: null,
      tenant: null,
      operationName: null,
      operationId: null,
      sensitiveFieldsRead: [],
      deniedFields: [],
      outcome: 'unauthenticated',
      errorCodes: ['UNAUTHENTICATED'],
      durationMs: Date.now() - startedAt,
    });
  }

  /** A request refused before it became an operation: a rate limit, a persisted-operation rule, a limit. */
  rejected(principal: Principal, requestId: string, errorCode: string, startedAt: number): void {
    this.write({
      time: new Date().toISOString(),
      requestId,
      sub: principal.sub,
      clientId: principal.clientId ?? null,
      kind: principal.kind,
      tenant: principal.tenant,
      operationName: null,
      operationId: null,
      sensitiveFieldsRead: [],
      deniedFields: [],
      outcome: 'rejected',
      errorCodes: [errorCode],
      durationMs: Date.now() - startedAt,
    });
  }

  plugin<TContext extends AuditedContext>(): ApolloServerPlugin<TContext> {
    return {
      requestDidStart: async () => {
        const startedAt = Date.now();
        return {
          willSendResponse: async ({ contextValue, request, response, operationName, queryHash }) => {
            const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
            const hasData = response.body.kind === 'single' && response.body.singleResult.data != null;
            const errorCodes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
            const principal = contextValue.principal;
            this.write({
              time: new Date().toISOString(),
              requestId: contextValue.requestId,
              sub: principal.sub,
              clientId: principal.clientId ?? null,
              kind: principal.kind,
              tenant: principal.tenant,
              operationName: operationName ?? request.operationName ?? null,
              operationId: contextValue.persistedOperationId ?? queryHash ?? (request.query ? sha256(request.query) : null),
              sensitiveFieldsRead: (contextValue.grantedFields ?? []).filter(this.isSensitive),
              deniedFields: contextValue.deniedFields ?? [],
              outcome: errors.length === 0 ? 'success' : hasData ? 'partial' : 'error',
              errorCodes,
              durationMs: Date.now() - startedAt,
            });
          },
        };
      },
    };
  }

  private write(record: AuditRecord): void {
    this.sink(JSON.stringify(record));
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
