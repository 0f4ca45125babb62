// elasticio-node ships no types; only the message helpers are used.
declare module 'elasticio-node' {
  export const messages: {
    newEmptyMessage(): { id: string; body: Record<string, unknown>; attachments: Record<string, unknown>; headers: Record<string, unknown>; metadata: Record<string, unknown> };
    newMessageWithBody(body: unknown): { id: string; body: unknown; attachments: Record<string, unknown>; headers: Record<string, unknown>; metadata: Record<string, unknown> };
  };
}
