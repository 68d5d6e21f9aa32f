// Make one DPoP proof with jwtauth's browser client (clients/js/src/dpop.js) or the npm `dpop`
// package, for the Python interop tests. Input: one JSON object as argv[2]; output: JSON.
//   {lib: "jwtauth"|"npm", htm, htu, access_token?, nonce?, now_ms?, npm_dir?, private_jwk?}
// The key is passed between runs as a JWK: a test-only convenience (the client itself makes
// non-extractable keys); it is imported here as non-extractable before signing.
import { pathToFileURL } from "node:url";
import path from "node:path";

const request = JSON.parse(process.argv[2]);
const { subtle } = globalThis.crypto;
const ES256 = { name: "ECDSA", namedCurve: "P-256" };

let privateJwk = request.private_jwk;
if (!privateJwk) {
  const generated = await subtle.generateKey(ES256, true, ["sign", "verify"]);
  privateJwk = await subtle.exportKey("jwk", generated.privateKey);
}
const { d, ...publicJwk } = privateJwk;
const keyPair = {
  privateKey: await subtle.importKey("jwk", privateJwk, ES256, false, ["sign"]),
  publicKey: await subtle.importKey("jwk", { ...publicJwk, key_ops: ["verify"] }, ES256, true, ["verify"]),
};

let proof;
if (request.lib === "npm") {
  const entry = path.join(request.npm_dir, "node_modules", "dpop", "build", "index.js");
  const DPoP = await import(pathToFileURL(entry).href);
  proof = await DPoP.generateProof(keyPair, request.htu, request.htm, request.nonce ?? undefined, request.access_token ?? undefined);
} else {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const dpop = await import(pathToFileURL(path.join(here, "..", "..", "clients", "js", "src", "dpop.js")).href);
  const store = dpop.memoryKeyStore();
  await store.save(keyPair);
  const signer = new dpop.DPoPSigner({ subtle, store, now: () => request.now_ms ?? Date.now() });
  proof = await signer.proof(request.htm, request.htu, { accessToken: request.access_token ?? null, nonce: request.nonce ?? null });
}
process.stdout.write(JSON.stringify({ proof, private_jwk: privateJwk }));
