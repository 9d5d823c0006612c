// Drives an interlace server with @jupyterlab/services, unmodified, as JupyterLab would:
// list kernelspecs, start a kernel, run a cell over the kernel WebSocket, print one JSON line.
const { KernelManager, KernelSpecAPI, ServerConnection } = require("@jupyterlab/services");
const WebSocket = require("ws");

async function main() {
  const [baseUrl, token, kernelName] = process.argv.slice(2);
  const settings = ServerConnection.makeSettings({
    baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    token,
    appendToken: true,
    WebSocket,
  });
  const specs = await KernelSpecAPI.getSpecs(settings);
  const manager = new KernelManager({ serverSettings: settings });
  await manager.ready;
  const kernel = await manager.startNew({ name: kernelName });
  let stdout = "";
  let result = null;
  const future = kernel.requestExecute({ code: "print('from jupyterlab')\n6 * 7" });
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") stdout += msg.content.text;
    if (msg.header.msg_type === "execute_result") result = msg.content.data["text/plain"];
  };
  const reply = await future.done;
  const info = await kernel.info;
  await kernel.shutdown();
  manager.dispose();
  console.log(JSON.stringify({
    kernelspecs: Object.keys(specs.kernelspecs),
    default: specs.default,
    status: reply.content.status,
    stdout,
    result,
    implementation: info.implementation,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
