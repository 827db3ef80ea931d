// The event hub: task and guest events, fanned out to WebSocket clients and to waiters inside
// the manager (a shutdown waiting for "shut off").
import { EventEmitter } from 'node:events';

export type GuestKind = 'vm' | 'ct';

export type ManagerEvent =
  | {
      type: 'task';
      id: string;
      status: 'running' | 'ok' | 'error';
      progress: number;
      line?: string;
    }
  | { type: 'guest'; kind: GuestKind; id: number; state: string; at: string }
  /** another member's guests changed (it said so over the managers' mutual TLS) */
  | { type: 'cluster'; node: string; at: string };

export class EventHub {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  emit(event: ManagerEvent): void {
    this.emitter.emit('event', event);
  }
  subscribe(listener: (e: ManagerEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
  /** resolves with the first event `match` accepts, or null after timeoutMs */
  waitFor(match: (e: ManagerEvent) => boolean, timeoutMs: number): Promise<ManagerEvent | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, timeoutMs);
      const off = this.subscribe((e) => {
        if (!match(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }
}
