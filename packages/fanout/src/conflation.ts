// What a conflated connection is owed: the latest state of each changed dish and every chat event, folded into one `state`.
import type { ChatMessageEvent, Dish, DishEvent, StateMessage } from '@dish-live/protocol';

type DishEntry = Dish | { id: string; deleted: true };

/** A rough size of one dish entry in a `state`, for the hard limit; exactness does not matter, growth does. */
const DISH_ENTRY_BYTES = 160;

export class Conflation {
  #dishes = new Map<string, DishEntry>();
  #chat: ChatMessageEvent[] = [];
  #chatBytes = 0;
  #lastId: string | undefined;
  #events = 0;

  /** When a `state` last went out (ms), for the client's maxRate: kept here, so only conflated clients hold it. */
  lastFlush: number;

  constructor(now = 0) {
    this.lastFlush = now;
  }

  get empty(): boolean {
    return this.#lastId === undefined;
  }

  /** Events folded in since the last take. */
  get events(): number {
    return this.#events;
  }

  /** Approximate bytes a `state` of what is pending would take. */
  get bytes(): number {
    return this.#chatBytes + this.#dishes.size * DISH_ENTRY_BYTES;
  }

  add(event: DishEvent): void {
    switch (event.type) {
      case 'chat.message':
        this.#chat.push(event);
        this.#chatBytes += 96 + event.data.author.length + event.data.text.length;
        break;
      case 'dish.deleted':
        this.#dishes.set(event.data.id, { id: event.data.id, deleted: true });
        break;
      default:
        this.#dishes.set(event.data.dish.id, event.data.dish);
    }
    this.#lastId = event.id;
    this.#events++;
  }

  /** The pending `state` (id = the newest event it covers), and a fresh start. */
  take(): StateMessage | undefined {
    if (this.#lastId === undefined) return undefined;
    const state: StateMessage = { type: 'state', id: this.#lastId, dishes: [...this.#dishes.values()], chat: this.#chat };
    this.#dishes = new Map();
    this.#chat = [];
    this.#chatBytes = 0;
    this.#lastId = undefined;
    this.#events = 0;
    return state;
  }
}
