import { linkHash } from './audit-chain';

/** The link a writer sends with an append: used by the script only if the chain's head is exactly `seq - 1` / `prev`. */
export interface PredictedLink {
  seq: number;
  prev: string;
  link: string;
}

/** What an append script answered: the chain head after it, and whether it appended at all. */
export interface AppendReply {
  appended: boolean;
  seq: number;
  hash: string;
}

/**
 * Predicts the audit chain's next links in this process, so that the append scripts need not
 * compute SHA-256 in Lua (a pure-Lua SHA-256 cost Redis about 150-280 µs per append, more than
 * everything else a decision asks of it; `npm run bench -- --profile-pipeline`).
 *
 * Commands on one connection run in the order they are sent, and their replies come back in that
 * order. So while this process is the only writer, the head after everything it has sent is
 * known here: each append gets the link of the head so far (`reserve`, called right before the
 * command is sent), and the predicted head moves on. The script uses the sent link only when the
 * head really is the predicted one (dw_audit_append); otherwise it computes the link itself, so
 * a wrong prediction costs time, never a wrong chain.
 *
 * A reply that shows a miss (another writer or replica appended, a script appended on its own, a
 * save that appended nothing) or an error makes the head unknown: appends are sent unpredicted
 * (the script hashes) until a reply arrives with nothing sent after it, whose head is then the
 * real head. One predictor per connection and chain (see `ChainPredictor.for`).
 */
export class ChainPredictor {
  private static readonly byConnection = new WeakMap<object, Map<string, ChainPredictor>>();
  private head: { seq: number; hash: string } | null = null;
  private inFlight = 0;
  /** Appends sent with and without a usable prediction (for tests and the benchmark). */
  readonly stats = { predicted: 0, unpredicted: 0, misses: 0 };

  /** The predictor of `headKey` on connection `redis` (shared by every store using that connection). */
  static for(redis: object, headKey: string): ChainPredictor {
    let byKey = ChainPredictor.byConnection.get(redis);
    if (!byKey) ChainPredictor.byConnection.set(redis, (byKey = new Map<string, ChainPredictor>()));
    let p = byKey.get(headKey);
    if (!p) byKey.set(headKey, (p = new ChainPredictor()));
    return p;
  }

  /** Call synchronously right before sending an append; then `settle` exactly once with its reply (null: it failed). */
  reserve(bodyHash: string): PredictedLink | null {
    this.inFlight++;
    if (!this.head) {
      this.stats.unpredicted++;
      return null;
    }
    const seq = this.head.seq + 1;
    const link = linkHash(seq, this.head.hash, bodyHash);
    const predicted = { seq, prev: this.head.hash, link };
    this.head = { seq, hash: link };
    this.stats.predicted++;
    return predicted;
  }

  settle(reserved: PredictedLink | null, reply: AppendReply | null): void {
    this.inFlight--;
    if (!reply) {
      this.head = null;
      return;
    }
    if (reserved && !(reply.appended && reply.seq === reserved.seq && reply.hash === reserved.link)) {
      this.stats.misses++;
      this.head = null;
    } else if (!reserved && this.head && reply.appended) {
      // Cannot happen while every append is reserved; stay safe if it does.
      this.head = null;
    }
    // Nothing of ours is in flight after this reply: its head is the chain's head.
    if (!this.head && this.inFlight === 0 && reply.hash) this.head = { seq: reply.seq, hash: reply.hash };
  }

  /** The ARGV of a predicted link (three empty strings without one). */
  static args(p: PredictedLink | null): [string, string, string] {
    return p ? [String(p.seq), p.prev, p.link] : ['', '', ''];
  }
}
