// Shared by the player's, the MC's and the big screen's pages: the round's socket (it starts again
// from the server's state after a reconnect) and a countdown on the server's clock.
import { socket } from "./common.js";

/** Follows a round's messages; returns a function that leaves it for good (the MC moving on). */
export function followRound(roundId, playerToken, onMessage) {
  const path = "/ws/quiz/" + encodeURIComponent(roundId) +
    (playerToken ? "?player=" + encodeURIComponent(playerToken) : "");
  return socket(path, onMessage).close;
}

let offset = 0;  // server clock minus ours

export function syncClock(serverNow) { if (serverNow) offset = Date.parse(serverNow) - Date.now(); }

export function secondsLeft(closesAt) {
  return closesAt ? Math.max(0, Math.ceil((Date.parse(closesAt) - Date.now() - offset) / 1000)) : 0;
}
