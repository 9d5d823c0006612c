// Two stock Yjs websocket providers on one interlace notebook: each edits the same cell's
// source; both must end with the same text, containing both edits. Prints one JSON line.
const Y = require("yjs");
const { WebsocketProvider } = require("y-websocket");
const WebSocket = require("ws");

function connect(url, token, room) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket,
    disableBc: true,
  });
  const synced = new Promise((resolve) => provider.once("sync", resolve));
  return { doc, provider, synced };
}

function source(doc, cellId) {
  return doc.getMap("cells").get(cellId).get("source");
}

async function main() {
  const [url, token, room, cellId] = process.argv.slice(2);
  const alice = connect(url, token, room);
  const bob = connect(url, token, room);
  await Promise.all([alice.synced, bob.synced]);
  source(alice.doc, cellId).insert(0, "# alice\n");
  const text = source(bob.doc, cellId);
  text.insert(text.length, "  # bob");
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const a = source(alice.doc, cellId).toString();
    const b = source(bob.doc, cellId).toString();
    if (a === b && a.includes("# alice") && a.includes("# bob")) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const cells = [...alice.doc.getMap("cells").keys()].sort();
  console.log(JSON.stringify({
    alice: source(alice.doc, cellId).toString(),
    bob: source(bob.doc, cellId).toString(),
    cells,
  }));
  alice.provider.destroy();
  bob.provider.destroy();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
