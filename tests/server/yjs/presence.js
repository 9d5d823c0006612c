// Presence with stock y-websocket providers: a peer's awareness state (name, colour, cell,
// cursor) reaches the others, a late joiner is greeted with everyone's state, and a peer
// whose connection drops without a goodbye is removed by the server. Prints one JSON line.
const Y = require("yjs");
const { WebsocketProvider } = require("y-websocket");
const WebSocket = require("ws");

function connect(url, token, room, user) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket,
    disableBc: true,
  });
  provider.awareness.setLocalState(user);
  const synced = new Promise((resolve) => provider.once("sync", resolve));
  return { doc, provider, synced };
}

function names(peer) {
  const states = [...peer.provider.awareness.getStates().values()];
  return states.map((state) => state.user && state.user.name).filter(Boolean).sort();
}

async function until(condition, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

function user(name, color, cell) {
  return { user: { name, color }, cell, cursor: { anchor: 3, head: 5 } };
}

async function main() {
  const [url, token, room] = process.argv.slice(2);
  const alice = connect(url, token, room, user("alice", "#e66100", "first"));
  const bob = connect(url, token, room, user("bob", "#5d3a9b", "second"));
  await Promise.all([alice.synced, bob.synced]);
  const outcome = {};
  await until(() => names(bob).includes("alice"), 10);
  outcome.bobSeesAlice = bob.provider.awareness.getStates().get(alice.doc.clientID) || null;
  const carol = connect(url, token, room, user("carol", "#1a85ff", null));
  await carol.synced;
  await until(() => names(carol).length === 3, 10);
  outcome.carolSees = names(carol);
  alice.provider.shouldConnect = false;
  alice.provider.ws.terminate(); // a dropped network: no goodbye from alice
  await until(() => !names(bob).includes("alice"), 5);
  outcome.afterAliceDropped = names(bob);
  console.log(JSON.stringify(outcome));
  for (const peer of [alice, bob, carol]) peer.provider.destroy();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
