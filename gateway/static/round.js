// Shared by the player's, the MC's and the big screen's pages: the round's socket (it starts again
// from the server's state after a reconnect) and a countdown on the server's clock.
import { lang, socket } from "./common.js";

/**
 * Follows a round's messages (replies in the page's language); returns the socket: `send` a message while it is
 * open (a player's answer), `close` to leave the round for good (the MC moving on).
 */
export function followRound(roundId, playerToken, onMessage) {
  const path = "/ws/quiz/" + encodeURIComponent(roundId) + "?lang=" + lang +
    (playerToken ? "&player=" + encodeURIComponent(playerToken) : "");
  return socket(path, onMessage);
}

let offset = 0;  // server clock minus ours

export function syncClock(serverNow) { if (serverNow) offset = Date.parse(serverNow) - Date.now(); }

export function secondsLeft(closesAt) {
  return closesAt ? Math.max(0, Math.ceil((Date.parse(closesAt) - Date.now() - offset) / 1000)) : 0;
}
